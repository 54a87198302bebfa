// Untrusted text made safe for a log line or a terminal: control characters
// written out as visible escapes, so a request path or a device's name cannot
// forge a log line or send escape sequences to the terminal that shows it.
#pragma once

#include <string>
#include <string_view>

namespace feedback {

// Valid UTF-8 is kept as it is, except:
//   C0 controls and DEL (ESC, newline, ...)   -> \x1b, \x0a, \x7f
//   C1 controls U+0080..U+009F                 -> \u009b
//   a byte that is not part of valid UTF-8     -> \xff
//   the backslash itself                       -> \x5c (so an escape in the output was made here)
// The result holds no byte below 0x20, no DEL and no C1 control, and is valid UTF-8.
std::string escape_control_characters(std::string_view text);

} // namespace feedback
