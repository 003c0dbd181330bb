#!/usr/bin/env bash
# The layering, enforced (docs/design.md, "The layers"):
#
#   core <- config, net <- runtime <- apps
#   core <- config <- offline
#   core <- sim <- sim/exchange <- harness <- apps   (harness also drives runtime, net, offline)
#
# Two checks, both must pass:
#   1. includes: every #include "<layer>/..." in a layer's files names a layer
#      it may use; a project include that names no layer is refused too; the
#      network libraries (Asio, Beast, OpenSSL's SSL) only in net, runtime,
#      sim/exchange, harness and apps;
#   2. links: the libraries CMake really links (cmake --graphviz over the
#      default build's configuration, transitive), so a forbidden
#      target_link_libraries fails even when no header says so; and a layer
#      whose files include <simdjson.h> links simdjson::simdjson itself (its
#      compile definitions change the layout of simdjson's inline classes: a
#      file compiled without them is an ODR violation that crashes at run time).
#
#   ci/check-layers.sh            # configures build/default if needed; exit 1 on a violation
# Runs inside the README's test command (ci/default.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/layers
mkdir -p "$out"
[ -f build/default/CMakeCache.txt ] || cmake --preset default >/dev/null
cmake --graphviz="$out/deps.dot" build/default >/dev/null

python3 - "$out/deps.dot" <<'PY'
import os, re, sys

# layer -> the layers its code may include and link (itself included).
ALLOWED = {
    'core': {'core'},
    'config': {'core', 'config'},
    'net': {'core', 'net'},
    'runtime': {'core', 'config', 'net', 'runtime'},
    'offline': {'core', 'config', 'offline'},
    'sim': {'core', 'sim'},
    'sim/exchange': {'core', 'sim', 'sim/exchange'},
    'harness': {'core', 'config', 'net', 'runtime', 'offline', 'sim', 'sim/exchange', 'harness'},
    'apps': {'core', 'config', 'net', 'runtime', 'offline', 'sim', 'sim/exchange', 'harness', 'apps'},
}
LIBRARY = {'core': 'triarb_core', 'config': 'triarb_config', 'net': 'triarb_net',
           'runtime': 'triarb_runtime', 'offline': 'triarb_offline', 'sim': 'triarb_sim',
           'sim/exchange': 'triarb_sim_exchange', 'harness': 'triarb_harness', 'apps': 'triarb'}
NETWORK_OK = {'net', 'runtime', 'sim/exchange', 'harness', 'apps'}
NETWORK_INCLUDE = re.compile(r'#include <(boost/asio|boost/beast|openssl/ssl)')
PROJECT_INCLUDE = re.compile(r'#include "([^"]+)"')
ORDER = sorted(ALLOWED, key=len, reverse=True)  # sim/exchange before sim

def layer_of(path):
    for L in ORDER:
        if path == L or path.startswith(L + '/'):
            return L
    return None

bad = []
uses_simdjson = set()
for L in ALLOWED:
    for dp, _, files in os.walk(L):
        if layer_of(dp) != L:
            continue  # sim/exchange is its own layer, not part of sim
        for f in sorted(files):
            if not f.endswith(('.h', '.cc')):
                continue
            p = os.path.join(dp, f)
            for n, line in enumerate(open(p, encoding='utf-8'), 1):
                m = PROJECT_INCLUDE.match(line.strip())
                if m:
                    target = layer_of(m.group(1))
                    if target is None:
                        bad.append(f'{p}:{n}: #include "{m.group(1)}" names no layer '
                                   f'(write "<layer>/{m.group(1)}")')
                    elif target not in ALLOWED[L]:
                        bad.append(f'{p}:{n}: {L} may not include {target} ("{m.group(1)}"); '
                                   f'{L} may use: {", ".join(sorted(ALLOWED[L]))}')
                if line.strip().startswith('#include <simdjson.h>'):
                    uses_simdjson.add(L)
                if NETWORK_INCLUDE.match(line.strip()) and L not in NETWORK_OK:
                    bad.append(f'{p}:{n}: {L} is not a network layer: {line.strip()}')

# Links: CMake's own graph, transitively.
nodes, edges = {}, {}
for line in open(sys.argv[1], encoding='utf-8'):
    m = re.match(r'\s*"(node\d+)" \[ label = "([^"]+)"', line)
    if m:
        nodes[m.group(1)] = m.group(2)
    m = re.match(r'\s*"(node\d+)" -> "(node\d+)"', line)
    if m:
        edges.setdefault(m.group(1), set()).add(m.group(2))
by_name = {v: k for k, v in nodes.items()}
layer_of_lib = {v: k for k, v in LIBRARY.items()}
missing = [lib for lib in LIBRARY.values() if lib not in by_name]
if missing:
    bad.append('link graph: targets not found (is build/default configured with every layer?): '
               + ', '.join(missing))
for L, lib in LIBRARY.items():
    if lib not in by_name:
        continue
    seen, stack = set(), [by_name[lib]]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    for node in seen:
        dep = nodes[node]
        if dep in layer_of_lib and layer_of_lib[dep] not in ALLOWED[L]:
            bad.append(f'link: {lib} ({L}) links {dep} ({layer_of_lib[dep]}), which {L} may not use')

for L in sorted(uses_simdjson):
    lib = LIBRARY[L]
    direct = {nodes[n] for n in edges.get(by_name.get(lib, ''), ())}
    if lib in by_name and 'simdjson::simdjson' not in direct:
        bad.append(f'link: {L} includes <simdjson.h> but {lib} does not link simdjson::simdjson '
                   f'(its SIMDJSON_* definitions would differ between files: an ODR violation)')

if bad:
    print('check-layers: %d violation(s)' % len(bad))
    for b in bad:
        print('  ' + b)
    sys.exit(1)
print('check-layers: OK (%d layers: includes and links)' % len(ALLOWED))
PY
