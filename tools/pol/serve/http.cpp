#include "http.hpp"

#include "../url.hpp"

#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace pol::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

HttpResponse error_response(unsigned status, const char* code, const std::string& message)
{
   HttpResponse r;
   r.status = status;
   r.body = fmt::format(R"({{"errors":[{{"code":"{}","message":"{}"}}]}})", code, message);
   return r;
}

}  // namespace

class Session;

struct HttpServer::Impl {
   HttpOptions options;
   HttpHandler handler;
   HttpObserver observer;
   net::io_context io;
   net::strand<net::io_context::executor_type> accept_strand{io.get_executor()};
   tcp::acceptor acceptor{accept_strand};
   std::atomic<bool> stopping{false};
   std::atomic<std::uint64_t> open{0}, refused{0};
   std::atomic<std::size_t> body_bytes{0};  // request bodies being received, over all connections
   std::mutex sessions_mutex;
   std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;

   void accept();
   void close_idle();
};

// One connection: reads requests one after another (HTTP/1.1 keep-alive), each answered in turn.
class Session : public std::enable_shared_from_this<Session> {
public:
   Session(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {}
   ~Session()
   {
      release_body();
      --server_.open;
   }

   void start(bool refuse)
   {
      if (refuse) {
         auto r = error_response(503, "H0503", "the service has as many connections open as it allows (--max-connections): try again shortly");
         r.headers.emplace_back("Retry-After", "1");
         return write(HttpRequest{}, std::move(r), Clock::now(), false);
      }
      read_header();
   }

   // Ends the connection if it is waiting for a request; a request being read or answered ends first.
   void close_if_idle()
   {
      net::post(stream_.get_executor(), [self = shared_from_this()] {
         if (self->idle_) self->stream_.socket().close();
      });
   }

private:
   void read_header()
   {
      if (server_.stopping) return close();
      release_body();
      parser_.emplace();
      parser_->header_limit(16 * 1024);
      // Beast checks a Content-Length against the limit as the header ends, before the request
      // can choose its own: the largest limit goes first, the request's in on_header.
      parser_->body_limit(std::max(server_.options.max_body, server_.options.largest_body));
      // one deadline for the whole request, header and body
      deadline_ = Clock::now() + server_.options.read_timeout;
      stream_.expires_at(deadline_);
      idle_ = buffer_.size() == 0;
      http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
   }

   void on_header(beast::error_code ec)
   {
      idle_ = false;
      if (ec) return refuse_unread(ec);
      auto& message = parser_->get();
      HttpRequest request = request_of(message, false);
      // a coding other than chunked (gzip, say) cannot be read: refuse it rather than misread it
      if (const auto coding = message[http::field::transfer_encoding]; !coding.empty() && !beast::iequals(coding, "chunked")) {
         return write(std::move(request), error_response(501, "H0501", "the request's Transfer-Encoding is not supported: send the body as it is, or chunked"), Clock::now(), false);
      }
      std::size_t limit = server_.options.max_body;
      if (server_.options.body_limit) limit = server_.options.body_limit(request.method, request.path);
      parser_->body_limit(limit);
      const auto length = parser_->content_length();
      if (length && *length > limit) return write(std::move(request), too_large(), Clock::now(), false);
      // bodies held at once are bounded over all connections: a chunked body may grow to its limit
      const std::size_t size = length ? static_cast<std::size_t>(*length) : (parser_->chunked() ? limit : 0);
      if (!reserve_body(size)) {
         auto r = error_response(503, "H0503", "the service is receiving as many large requests as it can hold: try again shortly");
         r.headers.emplace_back("Retry-After", "1");
         return write(std::move(request), std::move(r), Clock::now(), false);
      }
      // curl and others wait for 100 Continue before sending a large body
      if (beast::iequals(message[http::field::expect], "100-continue")) {
         auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
         stream_.expires_after(server_.options.write_timeout);
         return http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->deadline_ = Clock::now() + self->server_.options.read_timeout;
            self->read_body();
         });
      }
      read_body();
   }

   void read_body()
   {
      stream_.expires_at(deadline_);
      http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
   }

   void on_read(beast::error_code ec)
   {
      if (ec) return refuse_unread(ec);
      const auto started = Clock::now();
      auto& message = parser_->get();
      HttpRequest request = request_of(message, true);
      HttpResponse response;
      try {
         response = server_.handler(request);
      } catch (const std::exception& e) {
         response = error_response(500, "H0500", "the service could not answer the request; it goes on serving others");
      }
      release_body();
      write(std::move(request), std::move(response), started, message.keep_alive());
   }

   // A request not sent whole within --read-timeout is closed without an answer: the stream's
   // timeout closes the socket.
   void refuse_unread(beast::error_code ec)
   {
      if (ec == http::error::body_limit) return write(request_of(parser_->get(), false), too_large(), Clock::now(), false);
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
         return write(HttpRequest{}, error_response(431, "H0431", "the request's header, or a chunked body's trailer, is over 16 KiB"), Clock::now(), false);
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
         return close();
      }
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
         return write(HttpRequest{}, error_response(400, "H0400", fmt::format("the request is not well-formed HTTP/1.1: {}", ec.message())), Clock::now(), false);
      }
      close();
   }

   static HttpResponse too_large()
   {
      return error_response(413, "H0413", "the request body is over the size limit (--max-body, or --max-batch-body for batch requests)");
   }

   bool reserve_body(std::size_t size)
   {
      if (size == 0) return true;
      std::size_t held = server_.body_bytes.load();
      do {
         if (held + size > server_.options.max_body_memory && held > 0) return false;
      } while (!server_.body_bytes.compare_exchange_weak(held, held + size));
      reserved_ = size;
      return true;
   }

   void release_body()
   {
      server_.body_bytes -= reserved_;
      reserved_ = 0;
   }

   static HttpRequest request_of(http::request<http::string_body>& message, bool with_body)
   {
      HttpRequest r;
      r.method = std::string(message.method_string());
      const std::string target(message.target());
      const auto q = target.find('?');
      r.path = cli::percent_decode(std::string_view(target).substr(0, q));
      if (q != std::string::npos) r.query = target.substr(q + 1);
      r.content_type = std::string(message[http::field::content_type]);
      if (with_body) r.body = std::move(message.body());
      return r;
   }

   template <class Message>
   void head_of(Message& m, const HttpResponse& response, bool keep_alive) const
   {
      m.set(http::field::server, "pol");
      m.set(http::field::content_type, response.content_type);
      for (const auto& [name, value] : response.headers) m.set(name, value);
      m.keep_alive(keep_alive);
   }

   void write(HttpRequest request, HttpResponse response, Clock::time_point started, bool keep_alive)
   {
      keep_alive = keep_alive && !server_.stopping;
      if (response.next_chunk && request.method != "HEAD") return write_chunked(std::move(request), std::move(response), started, keep_alive);
      auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
      head_of(*message, response, keep_alive);
      message->body() = std::move(response.body);
      message->prepare_payload();
      observe(request, response, started);
      stream_.expires_after(server_.options.write_timeout);
      const auto done = [self = shared_from_this(), message, keep_alive](beast::error_code ec, std::size_t) { self->written(ec, keep_alive); };
      if (request.method == "HEAD") {  // the header says what GET would send, without the body
         auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*message);
         return http::async_write_header(stream_, *serializer, [serializer, done](beast::error_code ec, std::size_t n) { done(ec, n); });
      }
      http::async_write(stream_, *message, done);
   }

   // A response sent chunk by chunk, each made while the last is being sent.
   void write_chunked(HttpRequest request, HttpResponse response, Clock::time_point started, bool keep_alive)
   {
      struct Stream {
         http::response<http::empty_body> header;
         http::response_serializer<http::empty_body> serializer{header};
         HttpRequest request;
         HttpResponse response;
         std::string chunk;
         Clock::time_point started;
         bool keep_alive;
         Stream(unsigned status) : header(static_cast<http::status>(status), 11) {}
      };
      auto s = std::make_shared<Stream>(response.status);
      head_of(s->header, response, keep_alive);
      s->header.chunked(true);
      s->request = std::move(request);
      s->response = std::move(response);
      s->started = started;
      s->keep_alive = keep_alive;
      stream_.expires_after(server_.options.write_timeout);
      http::async_write_header(stream_, s->serializer, [self = shared_from_this(), s](beast::error_code ec, std::size_t) {
         if (ec) return self->close();
         self->next_chunk(s);
      });
   }

   template <class Stream>
   void next_chunk(std::shared_ptr<Stream> s)
   {
      s->chunk.clear();
      bool more = false;
      try {
         more = s->response.next_chunk(s->chunk);
      } catch (const std::exception&) {
         return close();  // the status is sent: all that is left is to end the answer short
      }
      stream_.expires_after(server_.options.write_timeout);
      if (!s->chunk.empty()) {
         return net::async_write(stream_, http::make_chunk(net::buffer(s->chunk)), [self = shared_from_this(), s, more](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (more) return self->next_chunk(s);
            self->last_chunk(s);
         });
      }
      if (more) return net::post(stream_.get_executor(), [self = shared_from_this(), s] { self->next_chunk(s); });
      last_chunk(s);
   }

   template <class Stream>
   void last_chunk(std::shared_ptr<Stream> s)
   {
      net::async_write(stream_, http::make_chunk_last(), [self = shared_from_this(), s](beast::error_code ec, std::size_t) {
         self->observe(s->request, s->response, s->started);
         self->written(ec, s->keep_alive);
      });
   }

   void observe(const HttpRequest& request, const HttpResponse& response, Clock::time_point started) const
   {
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
      if (server_.observer) server_.observer(request, response, static_cast<std::uint64_t>(micros));
   }

   void written(beast::error_code ec, bool keep_alive)
   {
      if (ec) return close();
      if (!keep_alive) return linger();
      read_header();
   }

   // Ends the connection after an answer, reading and dropping what the client still sends for a
   // moment: closing at once would reset the connection, and a client still sending a body it
   // was refused (413) would lose the answer that says why.
   void linger()
   {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.expires_after(std::chrono::seconds(2));
      drain();
   }

   void drain()
   {
      stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
         if (ec) return self->close();
         self->drain();
      });
   }

   void close()
   {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.socket().close(ignored);
   }

   beast::tcp_stream stream_;
   // Bounded: a header, or a chunked body's trailer, must fit in it whole (16 KiB and more)
   beast::flat_buffer buffer_{64 * 1024};
   std::optional<http::request_parser<http::string_body>> parser_;
   HttpServer::Impl& server_;
   Clock::time_point deadline_;
   std::size_t reserved_ = 0;   // bytes of server_.body_bytes this connection's body holds
   std::array<char, 16384> discard_;
   bool idle_ = false;          // waiting for a request, none of it read
};

void HttpServer::Impl::accept()
{
   acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
         if (!stopping && ec != net::error::operation_aborted) accept();
         return;
      }
      const bool refuse = open.load() >= options.max_connections;
      if (refuse) ++refused;
      ++open;
      auto session = std::make_shared<Session>(std::move(socket), *this);
      {
         std::lock_guard lock(sessions_mutex);
         std::erase_if(sessions, [](const auto& s) { return s.expired(); });
         sessions.insert(session);
      }
      session->start(refuse);
      accept();
   });
}

void HttpServer::Impl::close_idle()
{
   std::lock_guard lock(sessions_mutex);
   for (const auto& weak : sessions) {
      if (auto s = weak.lock()) s->close_if_idle();
   }
}

HttpServer::HttpServer(HttpOptions options, HttpHandler handler, HttpObserver observer) : impl_(std::make_unique<Impl>())
{
   impl_->options = std::move(options);
   impl_->handler = std::move(handler);
   impl_->observer = std::move(observer);
   beast::error_code ec;
   const auto address = net::ip::make_address(impl_->options.bind, ec);
   if (ec) throw std::runtime_error(fmt::format("cannot listen on {}: it is not an IP address", impl_->options.bind));
   const tcp::endpoint endpoint{address, impl_->options.port};
   auto& a = impl_->acceptor;
   a.open(endpoint.protocol(), ec);
   if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
   if (!ec) a.bind(endpoint, ec);
   if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
   if (ec) throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", impl_->options.bind, impl_->options.port, ec.message()));
}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run()
{
   impl_->accept();
   unsigned threads = impl_->options.threads ? impl_->options.threads : std::max(1u, std::thread::hardware_concurrency());
   // Beast may throw from a completion handler (a trailer field over 64 KiB, say): the connection
   // that threw is dropped, and the thread goes back to serving the others.
   const auto serve = [this] {
      for (;;) {
         try {
            impl_->io.run();
            return;
         } catch (const std::exception&) {
         }
      }
   };
   std::vector<std::thread> pool;
   for (unsigned t = 1; t < threads; ++t) pool.emplace_back(serve);
   serve();
   for (auto& t : pool) t.join();
}

void HttpServer::stop()
{
   if (impl_->stopping.exchange(true)) return;
   net::post(impl_->accept_strand, [this] {
      beast::error_code ignored;
      impl_->acceptor.close(ignored);
      impl_->close_idle();
   });
}

bool HttpServer::stopping() const { return impl_->stopping; }
std::uint64_t HttpServer::connections_open() const { return impl_->open; }
std::uint64_t HttpServer::connections_refused() const { return impl_->refused; }

}  // namespace pol::serve
