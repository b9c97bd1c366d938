// qbi-sim: the local Quick BI simulator. Everything lives in the qbi_sim library.
#include "runner/sim/app.h"

int main(int argc, char** argv) {
    return qbi::sim::sim_main(argc, argv);
}
