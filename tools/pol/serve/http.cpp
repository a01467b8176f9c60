#include "http.hpp"

#include <array>
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
   std::mutex sessions_mutex;
   std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;

   void accept();
   void close_idle();
};

// One connection: reads requests one after another (HTTP/1.1 keep-alive), each answered in turn.
class Session : public std::enable_shared_from_this<Session> {
public:
   Session(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {}
   ~Session() { --server_.open; }

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
      parser_.emplace();
      parser_->header_limit(16 * 1024);
      // Beast checks a Content-Length against the limit as the header ends, before the path can
      // choose its own: the largest limit goes first, the path's in on_header.
      parser_->body_limit(std::max(server_.options.max_body, server_.options.largest_body));
      stream_.expires_after(server_.options.read_timeout);
      idle_ = buffer_.size() == 0;
      http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
   }

   void on_header(beast::error_code ec)
   {
      idle_ = false;
      if (ec) return refuse_unread(ec);
      auto& message = parser_->get();
      const std::string target(message.target());
      const std::string path = target.substr(0, target.find('?'));
      std::size_t limit = server_.options.max_body;
      if (server_.options.body_limit) limit = server_.options.body_limit(path);
      parser_->body_limit(limit);
      if (const auto length = parser_->content_length(); length && *length > limit) {
         return write(request_of(message, false), too_large(), Clock::now(), false);
      }
      // curl and others wait for 100 Continue before sending a large body
      if (beast::iequals(message[http::field::expect], "100-continue")) {
         auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
         stream_.expires_after(server_.options.write_timeout);
         return http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->read_body();
         });
      }
      read_body();
   }

   void read_body()
   {
      stream_.expires_after(server_.options.read_timeout);
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
      write(std::move(request), std::move(response), started, message.keep_alive());
   }

   // A request that could not be read whole: some get an answer, the rest a closed connection.
   // A request not sent whole within --read-timeout is closed without an answer: the stream's
   // timeout closes the socket.
   void refuse_unread(beast::error_code ec)
   {
      if (ec == http::error::body_limit) return write(request_of(parser_->get(), false), too_large(), Clock::now(), false);
      if (ec == http::error::header_limit) {
         return write(HttpRequest{}, error_response(431, "H0431", "the request's header is over 16 KiB"), Clock::now(), false);
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

   static HttpRequest request_of(const http::request<http::string_body>& message, bool with_body)
   {
      HttpRequest r;
      r.method = std::string(message.method_string());
      const std::string target(message.target());
      const auto q = target.find('?');
      r.path = target.substr(0, q);
      if (q != std::string::npos) r.query = target.substr(q + 1);
      r.content_type = std::string(message[http::field::content_type]);
      if (with_body) r.body = message.body();
      return r;
   }

   void write(HttpRequest request, HttpResponse response, Clock::time_point started, bool keep_alive)
   {
      keep_alive = keep_alive && !server_.stopping;
      auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
      message->set(http::field::server, "pol");
      message->set(http::field::content_type, response.content_type);
      for (const auto& [name, value] : response.headers) message->set(name, value);
      message->keep_alive(keep_alive);
      message->body() = std::move(response.body);
      message->prepare_payload();
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
      response.body.clear();
      if (server_.observer) server_.observer(request, response, static_cast<std::uint64_t>(micros));
      stream_.expires_after(server_.options.write_timeout);
      http::async_write(stream_, *message, [self = shared_from_this(), message, keep_alive](beast::error_code ec, std::size_t) {
         if (ec) return self->close();
         if (!keep_alive) return self->linger();
         self->read_header();
      });
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
   beast::flat_buffer buffer_;
   std::optional<http::request_parser<http::string_body>> parser_;
   HttpServer::Impl& server_;
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
   std::vector<std::thread> pool;
   for (unsigned t = 1; t < threads; ++t) pool.emplace_back([this] { impl_->io.run(); });
   impl_->io.run();
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
