#include "runner/core/heap.h"

#include <malloc.h>

namespace qbi {

bool keep_heap_top() {
    return ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(kKeptHeapTop)) == 1 &&
           ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapBlockMax)) == 1;
}

}  // namespace qbi
