#include "latest.hpp"

#include <opencv2/imgcodecs.hpp>

#include <stdexcept>

#include "messages.hpp"

namespace sonoflow::web_viewer {

std::vector<uint8_t> encode_raster(const Raster& r, ImageFormat format, int jpeg_quality) {
  if (r.channels != 1 && r.channels != 3)
    throw std::invalid_argument("cannot show a raster with " + std::to_string(r.channels) +
                                " channels (grey or BGR expected)");
  if (r.pixels.size() != size_t{r.width} * r.height * r.channels || r.width == 0 || r.height == 0)
    throw std::invalid_argument("raster of " + std::to_string(r.width) + "x" +
                                std::to_string(r.height) + " has " +
                                std::to_string(r.pixels.size()) + " bytes of pixels");
  // A view, not a copy: imencode only reads.
  const cv::Mat view(static_cast<int>(r.height), static_cast<int>(r.width),
                     r.channels == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(r.pixels.data()));
  std::vector<uint8_t> out;
  const bool ok = format == ImageFormat::jpeg
                      ? cv::imencode(".jpg", view, out, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality})
                      : cv::imencode(".png", view, out);
  if (!ok) throw std::runtime_error("the image encoder refused a frame");
  return out;
}

void Latest::put_image(std::shared_ptr<const Raster> raster, FrameHeader header) {
  {
    std::lock_guard lock(mutex_);
    raster_ = std::move(raster);
    header_ = header;
    ++version_;
  }
  cv_.notify_all();
}

void Latest::put_needle(std::shared_ptr<const NeedleFrame> needle) {
  std::lock_guard lock(mutex_);
  needle_ = std::move(needle);
  ++needle_version_;
}

std::shared_ptr<const EncodedImage> Latest::encoded(ImageFormat format, int jpeg_quality) {
  std::shared_ptr<const Raster> raster;
  FrameHeader header;
  uint64_t version;
  {
    std::lock_guard lock(mutex_);
    raster = raster_;
    header = header_;
    version = version_;
  }
  if (!raster) return nullptr;
  std::lock_guard lock(encode_mutex_);
  if (cache_ && cache_->version == version && cache_format_ == format &&
      (format == ImageFormat::png || cache_quality_ == jpeg_quality))
    return cache_;
  auto image = std::make_shared<EncodedImage>();
  image->version = version;
  image->mime = format == ImageFormat::jpeg ? "image/jpeg" : "image/png";
  image->bytes = encode_raster(*raster, format, jpeg_quality);
  image->geometry_json = geometry_json(*raster, header, version, image->mime, image->bytes.size());
  cache_ = image;
  cache_format_ = format;
  cache_quality_ = jpeg_quality;
  return image;
}

std::shared_ptr<const NeedleFrame> Latest::needle() const {
  std::lock_guard lock(mutex_);
  return needle_;
}

uint64_t Latest::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

uint64_t Latest::needle_version() const {
  std::lock_guard lock(mutex_);
  return needle_version_;
}

void Latest::wait_newer(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || version_ > seen; });
}

void Latest::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

void Latest::reopen() {
  std::lock_guard lock(mutex_);
  closed_ = false;
}

bool Latest::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace sonoflow::web_viewer
