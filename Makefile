# glm-serve: everything a fresh machine with Node/npm, git, cmake and g++ needs.
#   make            build the native library, JS dependencies and the demo model
#   make serve      ... then serve (MODEL=path.gguf PORT=8000 ARGS="--parallel 2")
#   make test       ... then type check, lint and run the test suites
#   make GPU=cuda   CUDA backend (CUDA_ARCH=90 to pick the architecture); GPU=vulkan, GPU=metal

SHELL := /bin/bash
.DEFAULT_GOAL := all

NLC_VERSION   := 3.22.1
NLC_INTEGRITY := sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw==
BUN_VERSION   := 1.4.4
DENO_VERSION  := 2.9.6
# Real agent clients for the end-to-end tests, from npm (each ships its native binary there).
CLAUDE_CODE_VERSION := 2.1.332
CODEX_VERSION       := 0.171.0

GPU       ?=
CUDA_ARCH ?=
SANITIZE  ?=
JOBS      ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)

BUILD      := build
TOOLS      := $(BUILD)/tools
LLAMA_SRC  := $(BUILD)/llama.cpp
VARIANT    := $(or $(GPU),cpu)$(if $(SANITIZE),-$(SANITIZE))
LLAMA_OUT  := $(BUILD)/llama-$(VARIANT)
LIBLLAMA   := $(LLAMA_OUT)/src/libllama.a

UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
  LIB_SUFFIX := dylib
  SHARED_FLAGS := -dynamiclib -Wl,-undefined,error
else
  LIB_SUFFIX := so
  SHARED_FLAGS := -shared -Wl,--no-undefined
endif
ifeq ($(UNAME_S),Linux)
  # native/huge_pages.cpp hooks ggml's buffer allocations.
  SHARED_FLAGS += -Wl,--wrap=posix_memalign
endif
LIBGLM := $(BUILD)/libglm$(if $(SANITIZE),-$(SANITIZE)).$(LIB_SUFFIX)
AGENTS := $(BUILD)/agents

BUN  := $(shell command -v bun 2>/dev/null || echo $(CURDIR)/$(TOOLS)/node_modules/.bin/bun)
# Recipes, `bun run` scripts and tests that spawn `bun` find the npm-installed one too.
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
DENO := $(shell command -v deno 2>/dev/null || echo $(CURDIR)/$(TOOLS)/node_modules/.bin/deno)

CMAKE_GENERATOR := $(if $(shell command -v ninja 2>/dev/null),-G Ninja,)
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=ON \
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DGGML_RPC=ON
ifeq ($(GPU),cuda)
  CMAKE_FLAGS += -DGGML_CUDA=ON $(if $(CUDA_ARCH),-DCMAKE_CUDA_ARCHITECTURES=$(CUDA_ARCH))
  GPU_LIBS := -L$(or $(CUDA_HOME),/usr/local/cuda)/lib64 -lcudart -lcublas -lcublasLt -lcuda
else ifeq ($(GPU),vulkan)
  CMAKE_FLAGS += -DGGML_VULKAN=ON
  GPU_LIBS := -lvulkan
else ifeq ($(GPU),metal)
  CMAKE_FLAGS += -DGGML_METAL=ON -DGGML_METAL_EMBED_LIBRARY=ON
  GPU_LIBS := -framework Metal -framework Foundation -framework MetalKit -framework Accelerate
else ifneq ($(GPU),)
  $(error GPU must be cuda, vulkan or metal, not '$(GPU)')
endif
ifeq ($(SANITIZE),address)
  CMAKE_FLAGS += -DLLAMA_SANITIZE_ADDRESS=ON
  SAN_FLAGS := -fsanitize=address -fno-omit-frame-pointer
endif

NATIVE_SRC := $(wildcard native/*.cpp)
NATIVE_HDR := $(wildcard native/*.h)
CXXFLAGS_GLM := -std=c++17 -O2 -fPIC -Wall -Wextra -Werror=return-type $(SAN_FLAGS) \
  -I$(LLAMA_SRC)/include -I$(LLAMA_SRC)/ggml/include \
  -iquote $(LLAMA_SRC)/src

DEMO_MODEL := models/demo.gguf

.PHONY: FORCE all native deps serve test test-ts test-deno lint typecheck bench binary clean rpc-server \
  reference bench-tools tools-bun tools-deno test-asan browser fuzz soak agents

all: native deps $(DEMO_MODEL)

# --- toolchain: Bun and Deno from npm, only when missing --------------------------------------
$(CURDIR)/$(TOOLS)/node_modules/.bin/bun:
	@mkdir -p $(TOOLS)
	npm install --no-save --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION)
	@touch $@

$(CURDIR)/$(TOOLS)/node_modules/.bin/deno:
	@mkdir -p $(TOOLS)
	npm install --no-save --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION) deno@$(DENO_VERSION)
	@touch $@

tools-bun: $(BUN)
tools-deno: $(DENO)

node_modules/.installed: package.json bun.lock | $(BUN)
	$(BUN) install --frozen-lockfile
	@touch $@

deps: node_modules/.installed

# --- llama.cpp source: the pinned node-llama-cpp tarball's git bundle -------------------------
$(BUILD)/node-llama-cpp-$(NLC_VERSION).tgz:
	@mkdir -p $(BUILD)
	cd $(BUILD) && npm pack --silent node-llama-cpp@$(NLC_VERSION) >/dev/null
	@node -e 'const c=require("crypto"),f=require("fs");const h="sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64");if(h!==process.argv[2]){console.error("integrity mismatch for "+process.argv[1]+": "+h);f.unlinkSync(process.argv[1]);process.exit(1)}' $@ '$(NLC_INTEGRITY)'
	@echo "node-llama-cpp@$(NLC_VERSION): integrity ok"

$(LLAMA_SRC)/CMakeLists.txt: $(BUILD)/node-llama-cpp-$(NLC_VERSION).tgz
	rm -rf $(LLAMA_SRC) $(BUILD)/package
	tar -xzf $< -C $(BUILD) package/llama/gitRelease.bundle
	git -c advice.detachedHead=false clone --quiet $(BUILD)/package/llama/gitRelease.bundle $(LLAMA_SRC)
	rm -rf $(BUILD)/package
	@touch $@

# Rewritten only when the flags change, so that a flag added here reconfigures an old build.
LLAMA_FLAGS := $(LLAMA_OUT)/cmake-flags.txt
$(LLAMA_FLAGS): FORCE
	@mkdir -p $(LLAMA_OUT)
	@echo '$(CMAKE_FLAGS)' | cmp -s - $@ || echo '$(CMAKE_FLAGS)' > $@

$(LLAMA_OUT)/CMakeCache.txt: $(LLAMA_SRC)/CMakeLists.txt $(LLAMA_FLAGS)
	cmake -S $(LLAMA_SRC) -B $(LLAMA_OUT) $(CMAKE_GENERATOR) $(CMAKE_FLAGS) > $(BUILD)/cmake-$(VARIANT).log

$(LIBLLAMA): $(LLAMA_OUT)/CMakeCache.txt
	cmake --build $(LLAMA_OUT) --target llama ggml -j $(JOBS)
	@touch $@

# --- our shim ---------------------------------------------------------------------------------
$(LIBGLM): $(NATIVE_SRC) $(NATIVE_HDR) $(LIBLLAMA)
	$(CXX) $(CXXFLAGS_GLM) $(SHARED_FLAGS) -o $@ $(NATIVE_SRC) \
	  -Wl,--start-group $(LIBLLAMA) $$(find $(LLAMA_OUT)/ggml/src -name '*.a') -Wl,--end-group \
	  $(GPU_LIBS) -fopenmp -lpthread -ldl -lm

native: $(LIBLLAMA) $(LIBGLM)

# Our shim under AddressSanitizer, over the normal llama.cpp build (ASan still sees every
# malloc/free); the engine suites run against it in `make test-asan`.
LIBGLM_ASAN := $(BUILD)/libglm-asan.$(LIB_SUFFIX)
$(LIBGLM_ASAN): $(NATIVE_SRC) $(NATIVE_HDR) $(LIBLLAMA)
	$(CXX) $(subst -O2,-O1 -g,$(CXXFLAGS_GLM)) -fsanitize=address -fno-omit-frame-pointer \
	  $(SHARED_FLAGS) -o $@ $(NATIVE_SRC) \
	  -Wl,--start-group $(LIBLLAMA) $$(find $(LLAMA_OUT)/ggml/src -name '*.a') -Wl,--end-group \
	  $(GPU_LIBS) -fopenmp -lpthread -ldl -lm

# --- llama.cpp's own tools, for the reference test and the benchmark --------------------------
REFERENCE := $(LLAMA_OUT)/bin/llama-simple
$(REFERENCE): $(LIBLLAMA)
	cmake --build $(LLAMA_OUT) --target llama-simple -j $(JOBS)

reference: $(REFERENCE)

BENCH_TOOLS := $(LLAMA_OUT)/bin/llama-server $(LLAMA_OUT)/bin/llama-bench
$(BENCH_TOOLS): $(LIBLLAMA)
	cmake --build $(LLAMA_OUT) --target llama-server llama-bench -j $(JOBS)

bench-tools: $(BENCH_TOOLS)

# llama.cpp's own RPC worker for the chosen GPU=, for machines without Bun; `glm-serve
# rpc-worker` is the same server.
RPC_SERVER := $(BUILD)/rpc-server
$(RPC_SERVER): $(LIBLLAMA)
	cmake --build $(LLAMA_OUT) --target ggml-rpc-server -j $(JOBS)
	cp $(LLAMA_OUT)/bin/ggml-rpc-server $@

rpc-server: $(RPC_SERVER)

# --- models -----------------------------------------------------------------------------------
$(DEMO_MODEL): $(wildcard src/gguf/*.ts) | deps
	@mkdir -p models
	$(BUN) src/gguf/make-model.ts demo --out $@

# --- run and check ----------------------------------------------------------------------------
serve: all
	$(BUN) src/main.ts $(if $(MODEL),--model $(MODEL)) $(if $(PORT),--port $(PORT)) $(ARGS)

typecheck: deps
	node_modules/.bin/tsc --noEmit

lint: deps
	node_modules/.bin/biome check .

TEST_ENV := GLM_LIBRARY=$(CURDIR)/$(LIBGLM) GLM_REFERENCE=$(CURDIR)/$(REFERENCE) \
  GLM_AGENTS=$(CURDIR)/$(AGENTS)
DENO_SUITES := $(wildcard tests/*/*.suite.ts)

# Debian's Chromium for the chat page's browser test (root, or sudo, installs it once).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium'

browser: $(CHROMIUM)

$(AGENTS)/.installed:
	@mkdir -p $(AGENTS)
	npm install --no-save --no-audit --no-fund --prefix $(AGENTS) \
	  @anthropic-ai/claude-code@$(CLAUDE_CODE_VERSION) @openai/codex@$(CODEX_VERSION)
	@touch $@

agents: $(AGENTS)/.installed

# The HTTP edge tests hold 2,000 sockets: the soft open-file limit goes up to the hard one.
test-ts: all reference browser agents
	ulimit -Sn $$(ulimit -Hn) 2>/dev/null; $(TEST_ENV) $(BUN) test --timeout 60000 $(TESTS)

# The engine and server suites again under Deno (ffi-deno.ts, Deno.serve).
test-deno: all $(DENO)
	$(TEST_ENV) DENO_NO_UPDATE_CHECK=1 $(DENO) test --allow-all --no-check $(DENO_SUITES)

# Bun is not built with ASan, so the runtime is preloaded (libstdc++ too, for __cxa_throw).
ASAN_SUITES := tests/engine/engine-core.test.ts tests/engine/batching.test.ts tests/engine/batch-padding.test.ts \
  tests/engine/visible-tokens.test.ts \
  tests/engine/bad-models.test.ts
test-asan: all $(LIBGLM_ASAN)
	LD_PRELOAD="$$($(CXX) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so.6)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 GLM_LIBRARY=$(CURDIR)/$(LIBGLM_ASAN) \
	  $(BUN) test --timeout 120000 $(ASAN_SUITES)

test: all reference typecheck lint test-ts test-deno test-asan

# Ours against llama-server on the same bench GGUF; writes bench/results/latest.md.
bench: all bench-tools
	LLAMA_BIN=$(CURDIR)/$(LLAMA_OUT)/bin GLM_LIBRARY=$(CURDIR)/$(LIBGLM) $(BUN) bench/run.ts

# Long runs, not in `make test`: many more fuzz cases, and 20 minutes of mixed load.
fuzz: all
	FUZZ_COUNT=$(or $(FUZZ_COUNT),20000) $(BUN) test --timeout 1800000 tests/fuzz

soak: all
	$(BUN) bench/soak.ts

# One executable with libglm and the demo model's generator inside; copy it anywhere.
# BINARY_TARGET=bun-linux-x64 (Bun's target names) also names it dist/glm-serve-linux-x64. The
# embedded libglm is built for this machine, so only this machine's OS and CPU can be targeted.
HOST_OS   := $(shell uname -s | tr A-Z a-z)
HOST_ARCH := $(subst x86_64,x64,$(subst aarch64,arm64,$(shell uname -m)))
binary: all
	@mkdir -p dist
ifeq ($(BINARY_TARGET),)
	$(BUN) build --compile src/binary.ts --outfile dist/glm-serve
else
	@case "$(BINARY_TARGET)" in bun-$(HOST_OS)-$(HOST_ARCH)|bun-$(HOST_OS)-$(HOST_ARCH)-*) ;; \
	  *) echo "make binary: libglm is built for $(HOST_OS)-$(HOST_ARCH); build on a $(BINARY_TARGET:bun-%=%) machine for that target" >&2; exit 2;; esac
	$(BUN) build --compile --target=$(BINARY_TARGET) src/binary.ts \
	  --outfile dist/glm-serve-$(patsubst bun-%,%,$(BINARY_TARGET))
endif

clean:
	rm -rf $(BUILD) dist models node_modules
