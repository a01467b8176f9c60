#include "stack.hpp"

#include <exception>

#include <pthread.h>

namespace pol::lang {

namespace {

struct Job {
   const std::function<void()>* work;
   std::exception_ptr failure;
};

void* run_job(void* arg)
{
   auto* job = static_cast<Job*>(arg);
   try {
      (*job->work)();
   } catch (...) {
      job->failure = std::current_exception();
   }
   return nullptr;
}

}  // namespace

void on_large_stack(const std::function<void()>& work, std::size_t bytes)
{
   Job job{&work, nullptr};
   pthread_attr_t attr;
   pthread_t thread;
   bool started = pthread_attr_init(&attr) == 0;
   if (started) {
      started = pthread_attr_setstacksize(&attr, bytes) == 0 && pthread_create(&thread, &attr, run_job, &job) == 0;
      pthread_attr_destroy(&attr);
   }
   if (!started) {
      work();
      return;
   }
   pthread_join(thread, nullptr);
   if (job.failure) std::rethrow_exception(job.failure);
}

std::uintptr_t stack_floor(std::size_t margin)
{
   thread_local const std::uintptr_t lowest = [] {
      pthread_attr_t attr;
      void* base = nullptr;
      std::size_t size = 0;
      if (pthread_getattr_np(pthread_self(), &attr) != 0) return std::uintptr_t{0};
      if (pthread_attr_getstack(&attr, &base, &size) != 0) base = nullptr;
      pthread_attr_destroy(&attr);
      return reinterpret_cast<std::uintptr_t>(base);
   }();
   return lowest == 0 ? 0 : lowest + margin;
}

}  // namespace pol::lang
