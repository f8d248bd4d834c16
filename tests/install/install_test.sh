#!/usr/bin/env bash
# `meson install` into a temporary root, then use only what it installed, the way a game
# developer would, out of tree with pkg-config and the C/C++ compiler:
#   - the binary, the headers, libgameserver_client.so -> .so.1 -> .so.1.2.0 and both .pc
#     files are in place; the library's SONAME is set and it has no RUNPATH;
#   - the library exports exactly the functions <gameserver/client.h> declares;
#   - example.c (C99, -Wpedantic -Werror) builds with only
#     `pkg-config --cflags --libs gameserver-client`, names no dependency of the library,
#     and runs against the installed copy;
#   - tiny_module.cpp builds as a module with `pkg-config --cflags gameserver-game` and
#     `c++ -shared -fPIC`, exports gs_game_module_v1 and none of game.hpp's C++, and
#     load_module.c (C99) dlopens it and finds a table of this ABI version and size;
#   - the plain-C example game games/tictactoe builds the same way with `cc` alone, exports
#     only gs_game_module_v1 and loads with a table of this ABI version and size.
# Offline; the temporary folder goes away on exit.
# Usage: install_test.sh BUILD_DIR [SANITIZE]   (SANITIZE: the build's b_sanitize)
set -euo pipefail
build=$1
sanitize=${2:-none}
here=$(cd "$(dirname "$0")" && pwd)
meson=${MESON:-meson}
cc=${CC:-cc}
cxx=${CXX:-c++}

# meson test points LD_LIBRARY_PATH at the build's copy of the library: not here.
unset LD_LIBRARY_PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gs-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

$meson install -C "$build" --destdir "$root" --no-rebuild --quiet

# Everything below comes from the temporary root. The .pc files say prefix=/usr/local (or
# whatever the build's prefix is); PKG_CONFIG_SYSROOT_DIR puts the root in front of
# their -I and -L, PKG_CONFIG_LIBDIR keeps pkg-config away from any system copy.
pc=$(find "$root" -name gameserver-client.pc)
[[ -n "$pc" ]] || fail "gameserver-client.pc not installed"
[[ -f "$(dirname "$pc")/gameserver-game.pc" ]] || fail "gameserver-game.pc not next to gameserver-client.pc"
export PKG_CONFIG_LIBDIR=$(dirname "$pc") PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=$root
prefix=$root$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=prefix gameserver-client)
includedir=$prefix/include/gameserver
libdir=$(dirname "$(find "$root" -name libgameserver_client.so)")
echo "installed under $prefix"

[[ -x $prefix/bin/gameserver ]] || fail "bin/gameserver not installed"
"$prefix/bin/gameserver" --version >/dev/null || fail "the installed gameserver does not run"
for h in client.h game.h game.hpp; do
  [[ -f $includedir/$h ]] || fail "include/gameserver/$h not installed"
done

# The library: version, soname, links, no RUNPATH.
version=$(pkg-config --modversion gameserver-client)
major=${version%%.*}
lib=$libdir/libgameserver_client.so
[[ -f $lib.$version && ! -L $lib.$version ]] || fail "no libgameserver_client.so.$version (the .pc's version)"
[[ $(readlink "$lib") == libgameserver_client.so.$major ]] || fail "libgameserver_client.so -> $(readlink "$lib")"
[[ $(readlink "$lib.$major") == libgameserver_client.so.$version ]] || fail "so.$major -> $(readlink "$lib.$major")"
soname=$(readelf -d "$lib.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == libgameserver_client.so.$major ]] || fail "SONAME is '$soname', expected libgameserver_client.so.$major"
# Output captured first: grep -q stops reading at its match, and under pipefail the
# writer's SIGPIPE would fail the pipeline whenever it had more to write.
dynamic=$(readelf -d "$lib.$version")
if grep -Eq '\((RUNPATH|RPATH)\)' <<<"$dynamic"; then
  fail "the installed library keeps a RUNPATH: $(readelf -d "$lib.$version" | grep -E 'RUNPATH|RPATH')"
fi
echo "library $lib.$version, SONAME $soname"

# Exported: exactly the functions the header declares (GS_CLIENT_API lines).
sed -n 's/^GS_CLIENT_API .*[ *]\(gs_[a-z0-9_]*\)(.*/\1/p' "$includedir/client.h" | sort >"$tmp/declared"
nm -D --defined-only "$lib.$version" | awk '{print $NF}' | sort >"$tmp/exported"
[[ $(wc -l <"$tmp/declared") -ge 10 ]] || fail "found only $(wc -l <"$tmp/declared") declarations in client.h"
if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
  cat "$tmp/diff" >&2
  fail "exported symbols (+) differ from client.h's functions (-)"
fi
echo "exports the $(wc -l <"$tmp/exported") functions client.h declares and nothing else"

# An engine: C99, the .pc's flags and nothing more. A sanitized build's library needs the
# sanitizer runtime loaded first, so the program is built with the same -fsanitize.
san=()
[[ $sanitize == none ]] || san=("-fsanitize=$sanitize")
read -ra client_flags <<<"$(pkg-config --cflags --libs gameserver-client)"
$cc -std=c99 -Wall -Wextra -Wpedantic -Werror "${san[@]}" "$here/example.c" "${client_flags[@]}" -o "$tmp/example"
needed=$(readelf -d "$tmp/example" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[[ " $needed" == *" libgameserver_client.so.$major "* ]] || fail "example does not need libgameserver_client.so.$major: $needed"
if grep -Eq 'wolfssl|sodium|fmt|spdlog|stdc\+\+' <<<"$needed"; then
  fail "example names the library's own dependencies: $needed"
fi
loaded=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/example")
grep -q "libgameserver_client.so.$major => $libdir/" <<<"$loaded" ||
  fail "example does not load the installed library: $loaded"
status=0
LD_LIBRARY_PATH=$libdir "$tmp/example" >"$tmp/example.out" || status=$?
cat "$tmp/example.out"
[[ $status -eq 0 ]] || fail "example exited $status"
[[ $(tail -n1 "$tmp/example.out") == "all passed" ]] || fail "example did not pass"
! grep -q '^FAIL' "$tmp/example.out" || fail "example reported a failed check"

# A game module: header-only, hidden by default, one export.
game_version=$(pkg-config --modversion gameserver-game)
abi=$(sed -n 's/^#define GS_GAME_ABI_VERSION \([0-9]*\)$/\1/p' "$includedir/game.h")
[[ ${game_version%%.*} == "$abi" ]] || fail "gameserver-game.pc version $game_version, game.h ABI version $abi"
[[ -z $(pkg-config --libs gameserver-game) ]] || fail "gameserver-game.pc has Libs: $(pkg-config --libs gameserver-game)"
read -ra game_flags <<<"$(pkg-config --cflags gameserver-game)"
$cxx -std=c++20 -Wall -Wextra -Wpedantic -Werror -shared -fPIC "${game_flags[@]}" "$here/tiny_module.cpp" \
  -o "$tmp/libtiny.so"
nm -D --defined-only "$tmp/libtiny.so" | awk '{print $NF}' >"$tmp/module_exports"
grep -qx gs_game_module_v1 "$tmp/module_exports" || fail "the module does not export gs_game_module_v1"
if grep -E 'N2gs|4Tiny' "$tmp/module_exports"; then
  fail "the module exports game.hpp's or its own C++ (is -fvisibility=hidden in gameserver-game.pc?)"
fi
$cc -std=c99 -Wall -Wextra -Wpedantic -Werror "${game_flags[@]}" "$here/load_module.c" -ldl -o "$tmp/load_module"
loaded=$("$tmp/load_module" "$tmp/libtiny.so") || fail "load_module failed"
echo "module: $loaded"
[[ $loaded == "name tiny abi_ok 1 size_ok 1" ]] || fail "the module's table: $loaded"

# The C example game, out of tree: its folder copied away from the source tree, then cc
# with only what gameserver-game.pc says.
cp -r "$here/../../games/tictactoe" "$tmp/tictactoe"
$cc -std=c11 -Wall -Wextra -Wpedantic -Werror -shared -fPIC "${game_flags[@]}" \
  "$tmp/tictactoe/tictactoe.c" -o "$tmp/tictactoe.so"
ttt_exports=$(nm -D --defined-only "$tmp/tictactoe.so" | awk '{print $NF}' | grep -v '^__' || true)
[[ $ttt_exports == gs_game_module_v1 ]] || fail "tictactoe.so exports: $ttt_exports"
loaded=$("$tmp/load_module" "$tmp/tictactoe.so") || fail "load_module failed on tictactoe.so"
echo "tictactoe: $loaded"
[[ $loaded == "name tictactoe abi_ok 1 size_ok 1" ]] || fail "tictactoe's table: $loaded"
echo "install test passed"
