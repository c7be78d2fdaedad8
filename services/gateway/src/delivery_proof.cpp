#include "delivery_proof.hpp"

namespace xmpp::gateway {

bool DeliveryProof::written(Stored message) {
  pending_.push_back(std::move(message));
  return pingId_.empty();
}

std::string DeliveryProof::startPing() {
  pingId_ = "delivery-proof-" + std::to_string(++pings_);
  covered_ = pending_.size();
  return pingId_;
}

std::vector<DeliveryProof::Stored> DeliveryProof::answered(std::string_view id, bool& pingAgain) {
  pingAgain = false;
  if (pingId_.empty() || id != pingId_) return {};
  pingId_.clear();
  std::vector<Stored> proven;
  proven.reserve(covered_);
  for (size_t i = 0; i < covered_; ++i) {
    proven.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  covered_ = 0;
  pingAgain = !pending_.empty();
  return proven;
}

}  // namespace xmpp::gateway
