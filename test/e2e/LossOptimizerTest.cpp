// Losses, loss gradients and optimizer updates (docs/TRAINING.md), each
// compiled alone and compared with the formulas evaluated in double.
#include "GradTestUtil.h"

#include <algorithm>
#include <cmath>

using namespace dlc::e2e;

namespace {

enum Kind { CCE, Sparse, BCE, MSE };
const char *kKindNames[] = {"categorical_crossentropy",
                            "sparse_categorical_crossentropy",
                            "binary_crossentropy", "mean_squared_error"};

double clipped(double p, bool &inside) {
  const double lo = 1e-7, hi = 1 - 1e-7;
  inside = p >= lo && p <= hi;
  return std::min(std::max(p, lo), hi);
}

struct LossCase {
  Kind kind;
  bool logits;
  Tensor pred, labels;     // pred: logits (loss) or model output (loss_grad)
  Tensor output;           // the model output for loss_grad
  double loss = 0;
  std::vector<double> grad;
};

/// Draws the tensors of one case and evaluates the loss and its gradient.
LossCase makeCase(Random &rng, Kind kind, bool logits) {
  LossCase c{kind, logits, {}, {}, {}, 0, {}};
  std::vector<int64_t> shape{rng.intIn(1, 9), rng.intIn(2, 12)};
  if (kind == BCE || kind == MSE)
    shape.push_back(rng.intIn(1, 3));
  int64_t n = shape[0], cls = shape[1];
  c.pred = Tensor::random(rng, shape, -4, 4);
  // Labels: a distribution per row (CCE), class indices (sparse), 0/1 or
  // soft targets (BCE), anything (MSE).
  if (kind == Sparse) {
    c.labels = Tensor::classes(rng, n, cls);
  } else {
    c.labels = Tensor::random(rng, shape, 0, 1);
    if (kind == BCE)
      for (float &v : c.labels.f)
        v = rng.coin(0.7) ? float(rng.intIn(0, 1)) : v;
  }
  auto label = [&](int64_t k) -> double {
    return kind == Sparse ? double(c.labels.i[k / cls] == k % cls)
                          : double(c.labels.f[k]);
  };
  int64_t count = c.pred.size();
  double denom = (kind == CCE || kind == Sparse) ? double(n) : double(count);
  // The model output: softmax / sigmoid of the logits, or probabilities
  // with some clipped values at 0 and 1 (which get a zero gradient).
  c.output = c.pred;
  c.grad.assign(size_t(count), 0);
  if (kind == CCE || kind == Sparse) {
    for (int64_t r = 0; r < n; ++r) {
      double mx = -1e300, se = 0, ysum = 0;
      for (int64_t j = 0; j < cls; ++j)
        mx = std::max(mx, double(c.pred.f[r * cls + j]));
      for (int64_t j = 0; j < cls; ++j) {
        se += std::exp(c.pred.f[r * cls + j] - mx);
        ysum += label(r * cls + j);
      }
      for (int64_t j = 0; j < cls; ++j) {
        int64_t k = r * cls + j;
        double p = std::exp(c.pred.f[k] - mx) / se;
        c.output.f[k] = float(p);
        if (logits) {
          c.loss -= label(k) * (c.pred.f[k] - mx - std::log(se)) / denom;
          c.grad[k] = (double(c.output.f[k]) * ysum - label(k)) / denom;
        }
      }
    }
  } else if (kind == BCE) {
    for (int64_t k = 0; k < count; ++k) {
      double z = c.pred.f[k];
      c.output.f[k] = float(1 / (1 + std::exp(-z)));
      if (logits) {
        c.loss += (std::max(z, 0.0) - z * label(k) +
                   std::log1p(std::exp(-std::fabs(z)))) / denom;
        c.grad[k] = (double(c.output.f[k]) - label(k)) / denom;
      }
    }
  }
  if (!logits) {
    if (kind != MSE)
      for (float &v : c.output.f)
        if (rng.coin(0.1))
          v = rng.coin() ? 0.0f : 1.0f;
    c.pred = c.output;
    for (int64_t k = 0; k < count; ++k) {
      double p = c.pred.f[k], y = label(k), d = p - y;
      bool inside;
      double q = clipped(p, inside);
      if (kind == MSE) {
        c.loss += d * d / denom;
        c.grad[k] = 2 * d / denom;
      } else if (kind == BCE) {
        c.loss -= (y * std::log(q) + (1 - y) * std::log(1 - q)) / denom;
        c.grad[k] = inside ? d / (p * (1 - p)) / denom : 0;
      } else {
        c.loss -= y * std::log(q) / denom;
        c.grad[k] = inside ? -y / p / denom : 0;
      }
    }
  }
  return c;
}

TEST(Loss, EachKindAndForm) {
  Random rng(testSeed());
  for (Kind kind : {CCE, Sparse, BCE, MSE})
    for (bool logits : {false, true}) {
      if (kind == MSE && logits)
        continue;
      for (int rep = 0; rep < 2; ++rep) {
        LossCase c = makeCase(rng, kind, logits);
        std::string what = std::string(kKindNames[kind]) +
                           (logits ? " from logits " : " ") + c.pred.type();
        std::string attrs = std::string("{kind = #dlc.loss<") +
                            kKindNames[kind] + ">, from_logits = " +
                            (logits ? "true" : "false") + "}";
        std::string types = "(" + c.pred.type() + ", " + c.labels.type() + ")";
        // The loss reads the logits; its gradient the model's output.
        std::unique_ptr<JitFunction> loss, grad;
        ASSERT_TRUE(JitFunction::compile(
            singleOpModule({c.pred.type(), c.labels.type()}, {"tensor<f32>"},
                           "%r = dlc.loss %a0, %a1 " + attrs + " : " + types +
                               " -> tensor<f32>"),
            loss));
        std::vector<Tensor> in{c.pred, c.labels};
        EXPECT_TRUE(near("loss " + what, loss->run(in)[0], {c.loss}));

        ASSERT_TRUE(JitFunction::compile(
            singleOpModule({c.output.type(), c.labels.type()},
                           {c.output.type()},
                           "%r = dlc.loss_grad %a0, %a1 " + attrs + " : (" +
                               c.output.type() + ", " + c.labels.type() +
                               ") -> " + c.output.type()),
            grad));
        in = {c.output, c.labels};
        // Gradients of probabilities near 0 are large: relative check.
        EXPECT_TRUE(near("loss_grad " + what, grad->run(in)[0], c.grad));
      }
    }
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

struct OptimizerCase {
  std::string op, attrs;
  int slots;
  float momentum = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-7f, rho = 0.9f,
        wd = 0;
  bool nesterov = false;
  float initialSlot = 0;
};

/// One step of the update in double, as in the reference implementation.
void referenceStep(const OptimizerCase &o, double lr, double alpha,
                   std::vector<double> &p, std::vector<std::vector<double>> &s,
                   const std::vector<float> &g) {
  for (size_t i = 0; i < p.size(); ++i) {
    double gi = g[i], pi = p[i] - lr * o.wd * p[i];
    if (o.op == "sgd_update") {
      if (s.empty()) {
        pi -= lr * gi;
      } else {
        double v = o.momentum * s[0][i] - lr * gi;
        s[0][i] = v;
        pi += o.nesterov ? o.momentum * v - lr * gi : v;
      }
    } else if (o.op == "adam_update") {
      s[0][i] = o.beta1 * s[0][i] + (1 - double(o.beta1)) * gi;
      s[1][i] = o.beta2 * s[1][i] + (1 - double(o.beta2)) * gi * gi;
      pi -= alpha * s[0][i] / (std::sqrt(s[1][i]) + o.eps);
    } else if (o.op == "adagrad_update") {
      s[0][i] += gi * gi;
      pi -= lr * gi / std::sqrt(s[0][i] + o.eps);
    } else {
      s[0][i] = o.rho * s[0][i] + (1 - double(o.rho)) * gi * gi;
      pi -= lr * gi / (std::sqrt(s[0][i]) + o.eps);
    }
    p[i] = pi;
  }
}

TEST(Optimizer, TwoStepsEach) {
  Random rng(testSeed());
  std::vector<OptimizerCase> cases = {
      {"sgd_update", "", 0},
      {"sgd_update", "{weight_decay = 0.01 : f32}", 0, 0, 0.9f, 0.999f, 1e-7f,
       0.9f, 0.01f},
      {"sgd_update", "{momentum = 0.9 : f32}", 1, 0.9f},
      {"sgd_update", "{momentum = 0.8 : f32, nesterov = true}", 1, 0.8f, 0.9f,
       0.999f, 1e-7f, 0.9f, 0, true},
      {"adam_update", "", 2},
      {"adam_update",
       "{beta1 = 0.8 : f32, beta2 = 0.99 : f32, epsilon = 1.0e-3 : f32, "
       "weight_decay = 0.004 : f32}",
       2, 0, 0.8f, 0.99f, 1e-3f, 0.9f, 0.004f},
      {"adagrad_update", "", 1, 0, 0.9f, 0.999f, 1e-7f, 0.9f, 0, false, 0.1f},
      {"rmsprop_update", "{rho = 0.8 : f32, weight_decay = 0.01 : f32}", 1, 0,
       0.9f, 0.999f, 1e-7f, 0.8f, 0.01f}};
  for (const OptimizerCase &o : cases) {
    std::vector<int64_t> shape{rng.intIn(1, 40), rng.intIn(1, 20)};
    std::string t = tensorType(shape);
    std::vector<std::string> args{t, t, "tensor<2xf32>"}, results{t};
    for (int k = 0; k < o.slots; ++k) {
      args.push_back(t);
      results.push_back(t);
    }
    std::string operands = "%a0, %a1, %a2", types = t + ", " + t + ", tensor<2xf32>";
    for (int k = 0; k < o.slots; ++k) {
      operands += ", %a" + std::to_string(3 + k);
      types += ", " + t;
    }
    std::string resultTypes;
    for (size_t k = 0; k < results.size(); ++k)
      resultTypes += (k ? ", " : "") + results[k];
    std::string lhs = results.size() > 1
                          ? "%r:" + std::to_string(results.size())
                          : "%r";
    std::string body = lhs + " = dlc." + o.op + " " + operands + " " + o.attrs +
                       " : (" + types + ") -> (" + resultTypes + ")";
    std::unique_ptr<JitFunction> fn;
    ASSERT_TRUE(JitFunction::compile(singleOpModule(args, results, body), fn));

    Tensor param = Tensor::random(rng, shape);
    std::vector<Tensor> state(size_t(o.slots), Tensor::zeros(shape));
    for (Tensor &s : state)
      std::fill(s.f.begin(), s.f.end(), o.initialSlot);
    std::vector<double> p(param.f.begin(), param.f.end());
    std::vector<std::vector<double>> s(size_t(o.slots),
                                       std::vector<double>(p.size(), o.initialSlot));
    for (int step = 1; step <= 2; ++step) {
      Tensor grad = Tensor::random(rng, shape);
      double lr = 0.05 / step;
      double alpha = lr * std::sqrt(1 - std::pow(double(o.beta2), step)) /
                     (1 - std::pow(double(o.beta1), step));
      Tensor hyper = Tensor::zeros({2});
      hyper.f = {float(lr), float(alpha)};
      std::vector<Tensor> in{param, grad, hyper};
      in.insert(in.end(), state.begin(), state.end());
      std::vector<Tensor> out = fn->run(in);
      referenceStep(o, double(float(lr)), double(float(alpha)), p, s, grad.f);
      std::string what = o.op + " " + o.attrs + " step " + std::to_string(step);
      EXPECT_TRUE(near(what + " param", out[0], p, nullptr, 1e-5));
      for (int k = 0; k < o.slots; ++k)
        EXPECT_TRUE(near(what + " state " + std::to_string(k), out[1 + k],
                         s[k], nullptr, 1e-5));
      // The next step starts from the compiled values, as training does.
      param = out[0];
      for (int k = 0; k < o.slots; ++k)
        state[k] = out[1 + k];
    }
  }
}

} // namespace
