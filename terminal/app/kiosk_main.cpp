// feedback-kiosk: the kiosk program. `feedback-terminal run` hands over to it
// (exec), so that the other commands do not load SDL and its libraries; it
// takes the same options as `feedback-terminal run`.
#include "app/run_kiosk.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    using namespace feedback;
    constexpr const char* tool = "feedback-terminal";
    const std::vector<std::string> args(argv + 1, argv + argc);
    const cli::Command command = app::run_command();
    if (cli::wants_help(args)) {
        std::cout << cli::command_help(tool, command);
        return 0;
    }
    auto options = cli::parse_options(command, args);
    if (!options) {
        std::cerr << tool << " run: " << options.error().message << "\n";
        return 2;
    }
    return app::run_kiosk(app::to_run_request(*options), tool, std::cout, std::cerr);
}
