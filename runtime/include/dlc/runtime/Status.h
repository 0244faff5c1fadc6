// Status and StatusOr: error propagation without exceptions.
//
// Parts of the project build with -fno-exceptions, and every failure the
// runtime can hit (bad file, bad shape, failed dlopen) is an expected,
// user-facing condition anyway. Functions therefore return a Status whose
// message is written for the person at the terminal: it names the file and
// says what is wrong and where.
#ifndef DLC_RUNTIME_STATUS_H
#define DLC_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace dlc {

class [[nodiscard]] Status {
public:
  /// The default Status is success, so `Status s;` reads as "nothing failed
  /// yet".
  Status() = default;

  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = message.empty() ? "unknown error" : std::move(message);
    return s;
  }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  /// Empty on success.
  const std::string &message() const { return message_; }

  /// Returns the same error with `prefix + ": "` in front; success stays
  /// success. Used to add the file or operator a low-level error is about.
  Status withPrefix(const std::string &prefix) const {
    if (ok())
      return *this;
    return error(prefix + ": " + message_);
  }

private:
  bool failed_ = false;
  std::string message_;
};

/// Either a value or the error that prevented computing it.
template <class T> class [[nodiscard]] StatusOr {
public:
  /// Implicit on purpose, so that functions can `return value;` or
  /// `return Status::error(...)`.
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {
    // A StatusOr built from a Status must carry an error: there is no value.
    assert(!status_.ok() && "StatusOr constructed from a success Status");
    if (status_.ok())
      status_ = Status::error("internal error: StatusOr without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status &status() const { return status_; }

  /// Accessing the value of an error is a programming bug; checked with an
  /// assert like std::optional's operator*.
  T &value() & {
    assert(ok());
    return *value_;
  }
  const T &value() const & {
    assert(ok());
    return *value_;
  }
  T &&value() && {
    assert(ok());
    return std::move(*value_);
  }

  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T &&operator*() && { return std::move(*this).value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

private:
  Status status_;
  std::optional<T> value_;
};

} // namespace dlc

/// Returns from the enclosing function if `expr` (a Status) failed.
#define DLC_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    ::dlc::Status dlc_status_ = (expr);                                        \
    if (!dlc_status_.ok())                                                     \
      return dlc_status_;                                                      \
  } while (false)

#endif // DLC_RUNTIME_STATUS_H
