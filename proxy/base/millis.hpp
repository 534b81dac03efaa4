// The one unit of configured durations (timeouts, intervals). In base/ so
// that headers needing only it do not include the whole settings.
#pragma once

#include <chrono>

namespace gh {

using Millis = std::chrono::milliseconds;

}  // namespace gh
