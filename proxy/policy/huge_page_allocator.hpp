// An allocator for big, randomly probed tables: blocks of 2 MiB or more are
// mapped on their own, 2 MiB-aligned, and their whole 2 MiB pages marked
// MADV_HUGEPAGE, so a lookup that misses the cache does not also miss the TLB
// (transparent huge pages are "madvise" on Debian). The tail past the last
// whole 2 MiB stays in small pages: a huge page there would cost up to 2 MiB
// of RSS for nothing. Smaller blocks come from malloc, 64-byte aligned, so a
// 64-byte bucket is one cache line.
//
// Big blocks are unmapped when freed, not handed back to malloc: a builder's
// temporaries (tens of MiB at a million rules) would otherwise stay resident
// as huge pages inside the heap, which malloc does not return to the system
// (docs/matcher.md, "Memory of the process").
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace gh {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = 2u << 20;
  static constexpr std::size_t kLine = 64;
  static constexpr std::size_t kPage = 4096;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      void* p = nullptr;
      if (posix_memalign(&p, kLine, bytes == 0 ? 1 : bytes) != 0) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    // Map kHuge more than needed and give back the unaligned head and the tail.
    const std::size_t len = mapped(bytes);
    void* raw =
        mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHuge - 1) & ~(std::uintptr_t{kHuge} - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const std::size_t tail = start + len + kHuge - (aligned + len);
    if (tail) munmap(reinterpret_cast<void*>(aligned + len), tail);
    void* p = reinterpret_cast<void*>(aligned);
    madvise(p, bytes / kHuge * kHuge, MADV_HUGEPAGE);  // advice only
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge)
      std::free(p);
    else
      munmap(p, mapped(bytes));
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static std::size_t mapped(std::size_t bytes) noexcept {
    return (bytes + kPage - 1) / kPage * kPage;
  }
};

}  // namespace gh
