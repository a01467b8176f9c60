// pol serve POLICY_DIRS…: the policies as an HTTP/1.1 JSON service, kept in step with their files.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "http.hpp"
#include "registry.hpp"
#include "service.hpp"

namespace pol::cli {

namespace {

// One JSON line at a time on stderr, whole, from any thread.
void log_line(const std::string& line)
{
   static std::mutex mutex;
   std::lock_guard lock(mutex);
   const std::string whole = line + "\n";
   std::fwrite(whole.data(), 1, whole.size(), stderr);
   std::fflush(stderr);
}

}  // namespace

Runner add_serve(CLI::App& app)
{
   auto* cmd = app.add_subcommand("serve", "Serve the policies in the folders over HTTP: evaluate, batch, schemas, metrics and a calculator page (docs/http-api.md).\n"
                                           "Changed files are checked and replace the running version only when clean. SIGHUP reloads every file; SIGTERM stops\n"
                                           "gracefully. Exit status: 0 after a graceful stop, 2 when the address cannot be bound or no folder can be read.");
   struct Options {
      std::vector<std::string> folders;
      serve::HttpOptions http;
      std::size_t max_batch_body = 64 << 20;
      unsigned watch_ms = 1000;
      unsigned read_timeout_ms = 10'000, write_timeout_ms = 10'000;
      serve::ServiceOptions service;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("folders", o->folders, "Folders of .pol files (searched recursively), or policy files")->required();
   cmd->add_option("--port,-p", o->http.port, "The TCP port (default 8080; 0 picks a free one, logged at the start)");
   cmd->add_option("--bind", o->http.bind, "The address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)");
   cmd->add_option("--threads", o->http.threads, "Threads answering requests (default: one per core)");
   cmd->add_option("--max-body", o->http.max_body, "The largest request body in bytes (default 1 MiB); a larger one is answered 413");
   cmd->add_option("--max-batch-body", o->max_batch_body, "The largest batch request body in bytes (default 64 MiB)");
   cmd->add_option("--max-body-memory", o->http.max_body_memory, "Bytes of request bodies held at once over all connections (default 256 MiB); past it, requests are answered 503");
   cmd->add_option("--max-connections", o->http.max_connections, "Connections open at once (default 1024); more are answered 503");
   cmd->add_option("--read-timeout", o->read_timeout_ms, "Milliseconds to receive a whole request, or the next one on an open connection (default 10000)");
   cmd->add_option("--write-timeout", o->write_timeout_ms, "Milliseconds to send a whole response (default 10000)");
   cmd->add_option("--watch", o->watch_ms, "Milliseconds between looks at the folders for changed files (default 1000; 0: only on SIGHUP)");
   cmd->add_flag("--log-inputs", o->service.log_inputs, "Log request bodies too; they hold personal data, so they are not logged by default");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   add_limit_options(cmd, o->service.limits);
   return [o] {
      for (const auto& f : o->folders) {
         std::error_code ec;
         if (!std::filesystem::exists(f, ec)) {
            std::cerr << fmt::format("error: cannot serve {}: no such file or folder\n", f);
            return exit_usage;
         }
      }
      // Signals are taken by one thread, with sigwait: every other thread blocks them.
      sigset_t signals;
      sigemptyset(&signals);
      for (const int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, s);
      pthread_sigmask(SIG_BLOCK, &signals, nullptr);
      std::signal(SIGPIPE, SIG_IGN);

      CompileOptions compile;
      compile.search_path = o->path;
      compile.max_steps = o->service.limits.steps;
      serve::Registry registry(o->folders, compile, log_line);
      registry.scan(false);
      serve::Service service(registry, o->service, log_line);
      o->http.read_timeout = std::chrono::milliseconds(o->read_timeout_ms);
      o->http.write_timeout = std::chrono::milliseconds(o->write_timeout_ms);
      const std::size_t batch_limit = o->max_batch_body, body_limit = o->http.max_body;
      o->http.largest_body = std::max(batch_limit, body_limit);
      // the batch limit is for a batch of a policy that is served; every other body has the small one
      o->http.body_limit = [=, &registry](const std::string& method, const std::string& path) {
         constexpr std::string_view prefix = "/v1/policies/", suffix = "/batch";
         if (method != "POST" || !path.starts_with(prefix) || !path.ends_with(suffix) || path.size() < prefix.size() + suffix.size()) return body_limit;
         return registry.find(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size())) ? batch_limit : body_limit;
      };
      std::unique_ptr<serve::HttpServer> server;
      try {
         server = std::make_unique<serve::HttpServer>(
            o->http, [&](serve::HttpRequest& r) { return service.handle(r); },
            [&](const serve::HttpRequest& r, const serve::HttpResponse& res, std::uint64_t us) { service.observe(r, res, us); });
      } catch (const std::exception& e) {
         std::cerr << "error: " << e.what() << "\n";
         return exit_usage;
      }
      service.attach(server.get());
      const std::string host = o->http.bind.find(':') != std::string::npos ? "[" + o->http.bind + "]" : o->http.bind;  // IPv6 in brackets
      log_line(fmt::format(R"({{"event":"listening","address":"http://{}:{}","policies":{}}})", host, server->port(), registry.snapshot()->policies.size()));

      std::mutex wake_mutex;
      std::condition_variable wake;
      bool done = false;
      std::thread watcher([&] {
         std::unique_lock lock(wake_mutex);
         while (!done) {
            if (o->watch_ms == 0) wake.wait(lock);
            else wake.wait_for(lock, std::chrono::milliseconds(o->watch_ms));
            if (done) break;
            lock.unlock();
            registry.scan(true);
            lock.lock();
         }
      });
      std::thread signal_thread([&] {
         for (;;) {
            int s = 0;
            if (sigwait(&signals, &s) != 0) continue;
            if (s == SIGHUP) {
               log_line(R"({"event":"reload","reason":"SIGHUP"})");
               registry.scan(false, true);
               continue;
            }
            if (s == SIGUSR1) break;  // the service has stopped on its own
            log_line(fmt::format(R"({{"event":"stopping","signal":"{}"}})", s == SIGTERM ? "SIGTERM" : "SIGINT"));
            server->stop();
            break;
         }
      });
      server->run();
      {
         std::lock_guard lock(wake_mutex);
         done = true;
      }
      wake.notify_all();
      watcher.join();
      pthread_kill(signal_thread.native_handle(), SIGUSR1);
      signal_thread.join();
      log_line(R"({"event":"stopped"})");
      return exit_ok;
   };
}

}  // namespace pol::cli
