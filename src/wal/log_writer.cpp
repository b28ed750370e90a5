#include "rollcall/wal/log_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/records.hpp"

namespace rollcall::wal {

std::string segment_file_name(std::uint64_t first_lsn) {
  char name[32];
  std::snprintf(name, sizeof name, "%020" PRIu64 ".wal", first_lsn);
  return name;
}

namespace {
Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open " + dir + ": " + std::strerror(errno)};
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error{"cannot fsync " + dir + ": " + std::strerror(err)};
  return Ok{};
}
}  // namespace

LogWriter::LogWriter(LogWriterConfig config)
    : config_(std::move(config)),
      next_lsn_(config_.first_lsn),
      durable_lsn_(config_.first_lsn - 1) {
  RC_ASSERT(config_.first_lsn >= 1);
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t LogWriter::append(const domain::Command& command) {
  RC_ASSERT(healthy());
  scratch_.clear();
  encode(scratch_, command);  // asserts the command is well formed
  const std::uint64_t lsn = next_lsn_++;
  if (open_records_ == 0) open_first_lsn_ = lsn;
  append_record(open_, type_of(command), lsn, scratch_);
  ++open_records_;
  ++stats_.records;
  return lsn;
}

void LogWriter::when_durable(std::unique_ptr<storage::Waiter> w) {
  RC_ASSERT(w != nullptr);
  if (!healthy() || (open_records_ == 0 && inflight_.empty())) {
    // Failed for good, or everything appended so far is already durable.
    w->settle(healthy());
    released_.push_back(std::move(w));
    return;
  }
  if (open_records_ == 0) {
    inflight_waiters_.push_back(std::move(w));
  } else {
    open_waiters_.push_back(std::move(w));
  }
}

std::vector<std::unique_ptr<storage::Waiter>> LogWriter::take_released() {
  Waiters out;
  out.swap(released_);
  return out;
}

Status LogWriter::open_segment(std::uint64_t first_lsn) {
  const std::string path = config_.dir + "/" + segment_file_name(first_lsn);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create segment " + path + ": " + std::strerror(errno)};
  // Preallocate so appends do not extend the file (fdatasync then has no size change
  // to record). Not every filesystem supports it; that only costs speed.
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(config_.segment_bytes_max));
  if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
    ::close(fd);
    ::unlink(path.c_str());
    return Error{"cannot preallocate segment " + path + ": " + std::strerror(rc)};
  }
  // The new file's directory entry must be durable before records in it are
  // acknowledged. Rare (once per segment), so done synchronously.
  if (Status synced = fsync_dir(config_.dir); !synced) {
    ::close(fd);
    return synced;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  offset_ = 0;
  segments_.push_back(Segment{first_lsn, path});
  ++stats_.segments;
  return Ok{};
}

bool LogWriter::flush(LogIo& io) {
  if (!healthy() || !inflight_.empty() || open_records_ == 0) return false;
  // Close the batch with its Commit record.
  const std::uint64_t commit_lsn = next_lsn_++;
  append_commit(open_, commit_lsn, open_first_lsn_, open_records_ + 1);
  inflight_.swap(open_);
  open_.clear();
  inflight_waiters_.swap(open_waiters_);
  open_waiters_.clear();
  inflight_last_lsn_ = commit_lsn;
  inflight_records_ = open_records_;
  const std::uint64_t first_lsn = open_first_lsn_;
  open_records_ = 0;

  if (fd_ < 0 || offset_ + inflight_.size() > config_.segment_bytes_max) {
    if (Status opened = open_segment(first_lsn); !opened) {
      fail(opened.error());
      return false;
    }
    std::string header;
    append_segment_header(header, SegmentHeader{config_.shard, config_.generation, first_lsn});
    inflight_.insert(0, header);
  }
  inflight_offset_ = offset_;
  inflight_written_ = 0;
  inflight_write_error_ = 0;
  io.write_and_sync(fd_, inflight_offset_, inflight_);
  return true;
}

void LogWriter::on_write(int result) {
  RC_ASSERT(!inflight_.empty());
  if (result < 0) {
    inflight_write_error_ = result;
    return;
  }
  inflight_written_ += static_cast<std::size_t>(result);
  RC_ASSERT(inflight_written_ <= inflight_.size());
}

void LogWriter::on_sync(int result, LogIo& io) {
  RC_ASSERT(!inflight_.empty());
  if (inflight_write_error_ != 0) {
    fail(std::string("log write failed: ") + std::strerror(-inflight_write_error_));
    return;
  }
  if (inflight_written_ < inflight_.size()) {
    // A short write breaks the link, so the sync was cancelled: write the rest.
    if (result != -ECANCELED && result < 0) {
      fail(std::string("log sync failed: ") + std::strerror(-result));
      return;
    }
    const std::string_view rest = std::string_view(inflight_).substr(inflight_written_);
    const std::uint64_t at = inflight_offset_ + inflight_written_;
    // Keep accounting in terms of the whole batch: on_write adds to inflight_written_.
    io.write_and_sync(fd_, at, rest);
    return;
  }
  if (result < 0) {
    // After a failed fdatasync the page cache may have dropped the dirty pages:
    // retrying could report success for data that never reached the disk.
    fail(std::string("log sync failed: ") + std::strerror(-result));
    return;
  }
  offset_ = inflight_offset_ + inflight_.size();
  growth_bytes_ += inflight_.size();
  stats_.bytes += inflight_.size();
  ++stats_.syncs;
  ++stats_.batches;
  stats_.durable_records += inflight_records_;
  durable_lsn_ = inflight_last_lsn_;
  inflight_.clear();
  release(inflight_waiters_, true);
}

void LogWriter::release(Waiters& waiters, bool ok) {
  for (std::unique_ptr<storage::Waiter>& w : waiters) {
    w->settle(ok);
    released_.push_back(std::move(w));
  }
  waiters.clear();
}

void LogWriter::fail(const std::string& why) {
  if (!healthy()) return;
  error_ = why;
  log::error("wal_failed", {{"shard", config_.shard}, {"error", why}});
  inflight_.clear();
  open_.clear();
  open_records_ = 0;
  release(inflight_waiters_, false);
  release(open_waiters_, false);
}

void LogWriter::drop_segments_through(std::uint64_t lsn) {
  // Segment i holds LSNs [first_i, first_{i+1}); it is covered if first_{i+1} - 1 <= lsn.
  while (segments_.size() > 1 && segments_[1].first_lsn - 1 <= lsn) {
    ::unlink(segments_.front().path.c_str());
    segments_.erase(segments_.begin());
  }
}

}  // namespace rollcall::wal
