// Turns one line of `record` input into an event for the store. The input is
// flat and short, as a person or a script writes it:
//   {"type":"nps.rated","score":9,"locale":"nl"}
//   {"type":"complaint.resolved","complaint":"UTR-2A-4F9TN","actor":"staff:anna",
//    "resolution":"refund","amount_cents":1250,"on_the_spot":true}
// "type" is required; "actor" defaults to "kiosk"; "complaint" names a
// complaint by id or reference code, "rating" names the rated event of an
// nps.detailed, "subject" is the plain id; every other field is payload.
// id, time, device and sequence are filled in by the store.
#pragma once

#include "store/local_store.h"

#include <string>
#include <string_view>

namespace feedback::terminal {

struct InputEvent {
    store::NewEvent event;
    std::string complaint; // id or reference still to be looked up, if given
};

// Errors are ErrorKind::invalid_input with a message naming the field.
Result<InputEvent> parse_input_line(std::string_view line);

} // namespace feedback::terminal
