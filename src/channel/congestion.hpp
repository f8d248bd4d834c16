// Model-based congestion control in the style of BBR: the send rate follows the
// measured delivery rate and the window follows the bandwidth-delay product, so random
// loss does not shrink the window (unlike loss-based Reno/CUBIC) while a real
// bottleneck is not flooded.
#pragma once

#include <array>
#include <cstdint>

#include "channel/config.hpp"

namespace gs::channel {

class Congestion {
public:
    enum class Mode : std::uint8_t { startup, drain, probe_bw };

    // mss: datagram size in bytes; max_rate: bytes/s cap, 0 for none.
    Congestion(std::uint32_t mss, std::uint64_t max_rate, Duration initial_rtt);

    struct AckSample {
        std::uint64_t delivered = 0;        // total bytes delivered after this ack
        std::uint64_t prior_delivered = 0;  // delivered when the newest acked packet was sent
        double delivery_rate = 0;           // bytes/s, 0 if no sample
        bool app_limited = false;
        std::uint64_t newly_acked = 0;      // bytes
        std::uint64_t bytes_in_flight = 0;  // after the ack
        Duration min_rtt{};
        Duration srtt{};
    };
    void on_ack(const AckSample& s, Time now);

    std::uint64_t window() const { return cwnd_; }
    // Bytes per second the sender paces at.
    double pacing_rate() const { return pacing_rate_; }
    double bandwidth() const { return btl_bw_; }
    Mode mode() const { return mode_; }

private:
    void update_bw(const AckSample& s);
    void set_rates(const AckSample& s);

    std::uint32_t mss_;
    double max_rate_;
    Mode mode_ = Mode::startup;
    double pacing_gain_;
    double cwnd_gain_;
    std::uint64_t cwnd_;
    double pacing_rate_;
    double btl_bw_ = 0;
    std::array<double, 10> bw_rounds_{};
    std::uint64_t round_ = 0;
    std::uint64_t next_round_delivered_ = 0;
    double full_bw_ = 0;
    int full_bw_count_ = 0;
    bool filled_pipe_ = false;
    std::size_t cycle_index_ = 0;
    Time cycle_stamp_{};
};

}  // namespace gs::channel
