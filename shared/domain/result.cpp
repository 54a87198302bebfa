// Names of error kinds, as shown in messages and JSON.
#include "result.h"

namespace feedback {

const char* to_string(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::invalid_transition: return "invalid_transition";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::disk_full: return "disk_full";
    case ErrorKind::io: return "io";
    case ErrorKind::busy: return "busy";
    case ErrorKind::corrupt: return "corrupt";
    case ErrorKind::internal: return "internal";
    }
    return "internal";
}

} // namespace feedback
