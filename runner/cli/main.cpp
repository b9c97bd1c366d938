// qbi-runner: every command lives in the qbi_cli library; main only hands over argv.
#include "runner/cli/cli.h"

int main(int argc, char** argv) {
    return qbi::cli::main_entry(argc, argv);
}
