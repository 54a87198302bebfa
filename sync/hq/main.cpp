// feedback-hq: head office's program; all work is in commands.cpp and hq_core.
#include "commands.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    return feedback::hq::run_cli(args, std::cout, std::cerr);
}
