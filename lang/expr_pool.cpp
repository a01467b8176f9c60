// Where expressions live. A policy with a big table has tens of thousands of them, made
// together and freed together; one heap allocation each cost more than building them (the heap
// of the thread that parses grows a page at a time, a system call and a fault per page). They
// are carved instead from chunks asked of the system whole, in huge pages where it gives them,
// and kept on a free list when freed. Builds with AddressSanitizer use the heap, so that it
// still sees each expression.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>

#include <sys/mman.h>

#include "ast.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define POL_EXPR_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POL_EXPR_POOL 0
#endif
#endif
#ifndef POL_EXPR_POOL
#define POL_EXPR_POOL 1
#endif

namespace pol::lang {

namespace {

#if POL_EXPR_POOL

class ExprPool {
public:
   void* take()
   {
      const std::lock_guard lock(mutex_);
      ++live_;
      if (free_) {
         Free* block = free_;
         free_ = block->next;
         return block;
      }
      if (end_ - next_ < static_cast<std::ptrdiff_t>(sizeof(Expr))) add_chunk();
      std::byte* block = next_;
      next_ += sizeof(Expr);
      return block;
   }

   void give(void* p) noexcept
   {
      const std::lock_guard lock(mutex_);
      auto* block = static_cast<Free*>(p);
      block->next = free_;
      free_ = block;
      if (--live_ == 0) release();
   }

private:
   struct Free {
      Free* next;
   };
   // Each chunk starts with this, then holds blocks.
   struct Chunk {
      Chunk* next;
      std::size_t bytes;
   };
   static constexpr std::size_t huge_page = std::size_t{2} << 20;
   static constexpr std::size_t first_chunk = std::size_t{64} << 10;
   static constexpr std::size_t header = (sizeof(Chunk) + alignof(Expr) - 1) / alignof(Expr) * alignof(Expr);

   // Chunks double from 64 KiB, so that a small policy takes little, up to a huge page each.
   void add_chunk()
   {
      const std::size_t bytes = chunks_ ? std::min(2 * chunks_->bytes, huge_page) : first_chunk;
      auto* chunk = static_cast<Chunk*>(map(bytes));
      *chunk = {chunks_, bytes};
      chunks_ = chunk;
      next_ = reinterpret_cast<std::byte*>(chunk) + header;
      end_ = reinterpret_cast<std::byte*>(chunk) + bytes;
   }

   // `bytes` from the system, aligned to their size so that a huge page can hold them.
   static void* map(std::size_t bytes)
   {
      void* const mapped = ::mmap(nullptr, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mapped == MAP_FAILED) throw std::bad_alloc();
      const auto start = reinterpret_cast<std::uintptr_t>(mapped);
      const std::uintptr_t aligned = (start + bytes - 1) / bytes * bytes;
      if (aligned > start) ::munmap(mapped, aligned - start);
      ::munmap(reinterpret_cast<void*>(aligned + bytes), start + bytes - aligned);
#ifdef MADV_HUGEPAGE
      if (bytes == huge_page) ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
      return reinterpret_cast<void*>(aligned);
   }

   // No expression is left: the chunks go back to the system, but for the first, so that
   // making and freeing one expression at a time does not map and unmap a chunk each time.
   void release() noexcept
   {
      while (chunks_ && chunks_->next) {
         Chunk* const next = chunks_->next;
         ::munmap(chunks_, chunks_->bytes);
         chunks_ = next;
      }
      free_ = nullptr;
      next_ = chunks_ ? reinterpret_cast<std::byte*>(chunks_) + header : nullptr;
      end_ = chunks_ ? reinterpret_cast<std::byte*>(chunks_) + chunks_->bytes : nullptr;
   }

   std::mutex mutex_;  // expressions are made on one thread and may be freed on another
   Free* free_ = nullptr;
   Chunk* chunks_ = nullptr;  // the newest first
   std::byte* next_ = nullptr;
   std::byte* end_ = nullptr;  // of the newest chunk
   std::size_t live_ = 0;
};

// Never destroyed: expressions held by other statics may be freed after it would be.
ExprPool& pool()
{
   static ExprPool* const the_pool = new ExprPool;
   return *the_pool;
}

#endif

}  // namespace

void* Expr::operator new(std::size_t size)
{
#if POL_EXPR_POOL
   if (size == sizeof(Expr)) return pool().take();
#endif
   return ::operator new(size);
}

void Expr::operator delete(void* p, [[maybe_unused]] std::size_t size) noexcept
{
#if POL_EXPR_POOL
   if (size == sizeof(Expr)) return pool().give(p);
#endif
   ::operator delete(p);
}

}  // namespace pol::lang
