// feedback-terminal: the kiosk program's entry point; all work is in cli/.
#include "cli/commands.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    return feedback::terminal::run_cli(args, std::cin, std::cout, std::cerr);
}
