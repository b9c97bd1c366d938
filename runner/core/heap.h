#pragma once
// The process heap's freed top is kept instead of handed back to the kernel at once.
//
// Why: SQLite allocates and frees a statement journal around every UPDATE that fires a trigger
// (two per task for the runner's writer). With glibc's default trim threshold each free that
// left more than 128 KiB at the top of the heap gave it back with brk(2), and the next
// allocation took it again with brk and fresh zeroed pages: 7,400 brk calls for 20k tasks.
//
// Contract: keep_heap_top() sets glibc's trim threshold (M_TRIM_THRESHOLD) to kKeptHeapTop:
// at most that much freed memory stays mapped at the top of the main heap (and of each
// thread's arena). Setting it ends glibc's adaptive mmap threshold, which would otherwise stay
// at 128 KiB for good (every larger block an mmap and munmap of its own), so the mmap
// threshold is set too, to kHeapBlockMax: smaller blocks come from the heap, larger ones (a
// job file read whole) are mapped on their own. It returns false if the allocator refused
// (another allocator, e.g. under a sanitizer); nothing else changes then.
// Thread-safety: call once, early, from the main thread (a process-wide setting).
#include <cstddef>

namespace qbi {

inline constexpr std::size_t kKeptHeapTop = 16u << 20;  // 16 MiB
inline constexpr std::size_t kHeapBlockMax = 4u << 20;  // 4 MiB

bool keep_heap_top();

}  // namespace qbi
