// An allocator for big, randomly probed tables: blocks of 2 MiB or more are
// 2 MiB-aligned and their whole 2 MiB pages marked MADV_HUGEPAGE, so a lookup
// that misses the cache does not also miss the TLB (transparent huge pages
// are "madvise" on Debian). The tail past the last whole 2 MiB stays in
// small pages: a huge page there would cost up to 2 MiB of RSS for nothing.
// Smaller blocks are 64-byte aligned, so a 64-byte bucket is one cache line.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace gh {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = 2u << 20;
  static constexpr std::size_t kLine = 64;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    void* p = nullptr;
    if (posix_memalign(&p, bytes < kHuge ? kLine : kHuge, bytes == 0 ? 1 : bytes) != 0)
      throw std::bad_alloc();
    if (bytes >= kHuge) madvise(p, bytes / kHuge * kHuge, MADV_HUGEPAGE);  // advice only
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace gh
