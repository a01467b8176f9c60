// The HTTP/1.1 transport of pol serve, on Boost.Beast: asynchronous reads and writes on a pool
// of threads sized to the cores, so an idle or slow connection holds no thread; read and write
// timeouts; a body limit per request; a bound on open connections; a graceful stop.
#pragma once

#include <atomic>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pol::serve {

struct HttpRequest {
   std::string method;        // "GET"
   std::string path;          // "/v1/policies", without the query
   std::string query;         // "as_of=2024-01-01", without the '?'
   std::string content_type;
   std::string body;
};

struct HttpResponse {
   unsigned status = 200;
   std::string content_type = "application/json";
   std::string body;
   std::vector<std::pair<std::string, std::string>> headers;
   // When set, the body is sent in chunks as they are made, so that a large answer is never held
   // whole: each call appends the next part to `chunk` and returns false after the last.
   std::function<bool(std::string& chunk)> next_chunk;
};

struct HttpOptions {
   std::string bind = "127.0.0.1";
   unsigned short port = 8080;                        // 0: any free port
   unsigned threads = 0;                              // 0: one per core
   std::size_t max_body = 1 << 20;                    // bytes of a request's body
   std::function<std::size_t(const std::string& method, const std::string& path)> body_limit;  // another limit for some requests
   std::size_t largest_body = 0;                      // the largest limit body_limit gives
   std::size_t max_body_memory = 256u << 20;          // bytes of request bodies held at once, over all connections; more are answered 503
   std::chrono::milliseconds read_timeout{10'000};    // to read a whole request, or to wait for the next on a kept-alive connection
   std::chrono::milliseconds write_timeout{10'000};   // to write a whole response
   std::size_t max_connections = 1024;                // more are answered 503 and closed
};

// Answers one request; called on the transport's threads, many at once. It may move the body out.
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;
// Told of each answer: the request (without its body when it was refused before it was read),
// the status, and the microseconds from the request's last byte to the response (for a response
// sent in chunks, to its last chunk).
using HttpObserver = std::function<void(const HttpRequest&, const HttpResponse&, std::uint64_t microseconds)>;

class HttpServer {
public:
   // Binds the address now; throws std::runtime_error when it cannot.
   HttpServer(HttpOptions options, HttpHandler handler, HttpObserver observer);
   ~HttpServer();
   unsigned short port() const;  // the port bound, useful with port 0
   // Serves until stop(); then closes idle connections, lets requests in flight finish, and returns.
   void run();
   // Stops accepting; safe from any thread and from a signal handler's callback.
   void stop();
   bool stopping() const;
   std::uint64_t connections_open() const;
   std::uint64_t connections_refused() const;

   struct Impl;

private:
   std::unique_ptr<Impl> impl_;
};

}  // namespace pol::serve
