# lit configuration for dlc's FileCheck tests (.mlir files and tool tests).
import os
import lit.formats

config.name = "dlc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")
# GoogleTest sources, the reference implementation, fixture inputs and fuzz
# corpora are not lit tests.
config.excludes = ["unit", "reference", "Inputs", "fuzz", "CMakeLists.txt",
                   "lit.cfg.py", "lit.site.cfg.py.in"]

# Tools under test first, then LLVM's FileCheck/not/count.
config.environment["PATH"] = os.pathsep.join(
    [config.dlc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# The JIT's compile cache (on by default) stays in the build tree, so that
# tests neither read nor fill the user's cache; tests of the cache itself
# set DLC_CACHE_DIR to a directory of their own.
config.environment["DLC_CACHE_DIR"] = os.path.join(config.dlc_obj_root, "test", "compile-cache")
config.substitutions.append(("%dlc_src_root", config.dlc_src_root))
config.substitutions.append(("%fashion_mnist", config.fashion_mnist_dir))
config.substitutions.append(("%examples", os.path.join(config.dlc_src_root, "examples")))

# flatc 2.0.x refuses force_align above 32 when it turns JSON fixtures into
# models, so tests use a copy of the schema with 32 (same tables); %dlc_fbs
# names it.
_schema = os.path.join(config.dlc_src_root, "schemas", "dlc_model.fbs")
_schema32 = os.path.join(config.dlc_obj_root, "test", "dlc_model_align32.fbs")
os.makedirs(os.path.dirname(_schema32), exist_ok=True)
with open(_schema) as f:
    _text = f.read().replace("force_align: 64", "force_align: 32")
with open(_schema32, "w") as f:
    f.write(_text)
config.substitutions.append(("%dlc_fbs", _schema32))
