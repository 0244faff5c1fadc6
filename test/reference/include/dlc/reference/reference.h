// Umbrella header for the dlc reference implementation (the test oracle).
#ifndef DLC_REFERENCE_REFERENCE_H
#define DLC_REFERENCE_REFERENCE_H

#include "dlc/reference/conv.h"
#include "dlc/reference/elementwise.h"
#include "dlc/reference/grad.h"
#include "dlc/reference/interpreter.h"
#include "dlc/reference/loss.h"
#include "dlc/reference/normalization.h"
#include "dlc/reference/optimizer.h"
#include "dlc/reference/padding.h"
#include "dlc/reference/pool.h"
#include "dlc/reference/shape_ops.h"
#include "dlc/reference/tensor.h"
#include "dlc/reference/train.h"

#endif // DLC_REFERENCE_REFERENCE_H
