#!/usr/bin/env python3
"""One naming style for the whole tree, applied mechanically.

usage: scripts/restyle.py [REPO_ROOT] [--dry-run]

  1. Test files are named NAME_test.cpp (tests/crypto and tests/store used
     test_NAME.cpp); test executables are named after their test, TEST_test.
  2. Headers under roles/ are included as "roles/...": roles/common and src/common
     no longer share the "common/" prefix, and roles/ leaves the include path.
  3. Every layer lives inside gs:: (dtls, dtls::detail, net, transport and the dtls
     tests' helpers were top-level namespaces); code outside gs names them gs::x.
  4. Types are CamelCase everywhere: crypto and store spelled theirs snake_case.

Safe to run again (a second run changes nothing) and on a tree with new code:
every rule matches only the old spelling. Comments and string literals are left
alone except where a rule says otherwise, so config keys (auth.account_store) and
file names (crypto/jti_cache.hpp) keep their spelling. Prints what it changes.
"""

import os
import re
import subprocess
import sys

SOURCE_DIRS = ["src", "roles", "tests", "bench", "games", "include"]
SOURCE_EXTS = (".cpp", ".hpp", ".h", ".c")

DRY_RUN = False
CHANGES = []


def note(path, what):
    CHANGES.append((path, what))
    print(f"{path}: {what}")


# ---------------------------------------------------------------------------
# files

def git_files(root):
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                         check=True, capture_output=True, text=True).stdout.split("\n")
    return sorted(p for p in out if p and os.path.exists(os.path.join(root, p)))


def source_files(root):
    return [p for p in git_files(root)
            if p.split("/")[0] in SOURCE_DIRS and p.endswith(SOURCE_EXTS)]


def text_files(root):
    """Files that may name source files or tests: docs, build files, scripts."""
    keep = []
    for p in git_files(root):
        top = p.split("/")[0]
        if top in ("subprojects", "build") or top.startswith("build-"):
            continue
        if (p.endswith((".md", "meson.build", ".txt", ".yaml", ".yml", ".sh", ".py")) or
                top in (".ci", "scripts") or p.endswith(SOURCE_EXTS)):
            if p == "scripts/restyle.py":
                continue
            keep.append(p)
    return keep


def read(root, path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def write(root, path, text):
    if not DRY_RUN:
        with open(os.path.join(root, path), "w", encoding="utf-8") as f:
            f.write(text)


# ---------------------------------------------------------------------------
# C++ text: code apart from comments and string literals

NON_CODE = re.compile(r'''
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>(?<![A-Za-z_])R"(?P<delim>[^()\\ \n]{0,16})\(.*?\)(?P=delim)"
              |"(?:\\.|[^"\\\n])*"
              |(?<![0-9A-Za-z_])'(?:\\.|[^'\\\n])+')
''', re.S | re.X)

HIDDEN = "\x01"


def mask(text, keep_comments=False):
    """`text` with comments and literals blanked out (same length, newlines kept)."""
    def blank(m):
        if keep_comments and m.group("comment"):
            return m.group(0)
        return re.sub(r"[^\n]", HIDDEN, m.group(0))
    return NON_CODE.sub(blank, text)


def comment_mask(text):
    """`text` with everything but comments blanked out."""
    out = [re.sub(r"[^\n]", HIDDEN, text)]
    chars = list(out[0])
    for m in NON_CODE.finditer(text):
        if m.group("comment"):
            chars[m.start():m.end()] = m.group(0)
    return "".join(chars)


def replace_matches(text, pattern, replacement, view):
    """Applies `pattern` found in `view` (a masked copy of `text`) to `text`."""
    edits = []
    for m in pattern.finditer(view):
        new = replacement(m) if callable(replacement) else m.expand(replacement)
        if new is not None and new != m.group(0):
            edits.append((m.start(), m.end(), new))
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text, len(edits)


def sub_code(text, pattern, replacement):
    return replace_matches(text, pattern, replacement, mask(text))


def sub_comments(text, pattern, replacement):
    return replace_matches(text, pattern, replacement, comment_mask(text))


# ---------------------------------------------------------------------------
# 1. test file names: tests/x/test_NAME.cpp -> tests/x/NAME_test.cpp

def rename_test_files(root):
    moves = []
    for p in git_files(root):
        d, base = os.path.split(p)
        m = re.fullmatch(r"test_(\w+)\.(cpp|c|hpp|h)", base)
        if p.startswith("tests/") and m:
            new = os.path.join(d, f"{m.group(1)}_test.{m.group(2)}")
            if os.path.exists(os.path.join(root, new)):
                sys.exit(f"restyle: cannot rename {p}: {new} exists")
            moves.append((p, new))
    for old, new in moves:
        if not DRY_RUN:
            subprocess.run(["git", "mv", old, new], cwd=root, check=True)
        note(old, f"renamed to {new}")

    # meson: 'test_' + name + '.cpp' -> name + '_test.cpp'; executables TEST_test.
    meson_rules = [
        (re.compile(r"'test_'\s*\+\s*(\w+)\s*\+\s*'\.cpp'"), r"\1 + '_test.cpp'"),
        (re.compile(r"'test_(\w+?)_'\s*\+\s*(\w+)"), r"'\1_' + \2 + '_test'"),
        (re.compile(r"'test_(\w+)\.(cpp|c)'"), r"'\1_test.\2'"),
        (re.compile(r"executable\('test_(\w+)'"), r"executable('\1_test'"),
    ]
    for p in git_files(root):
        if not (p.startswith("tests/") and p.endswith("meson.build")):
            continue
        text = read(root, p)
        new = text
        for pattern, repl in meson_rules:
            new = pattern.sub(repl, new)
        if new != text:
            write(root, p, new)
            note(p, "test file and executable names")

    # Docs, scripts and comments that name the old files.
    if not moves:
        return
    names = {os.path.basename(o): os.path.basename(n) for o, n in moves}
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")\b")
    for p in text_files(root):
        text = read(root, p)
        new = pattern.sub(lambda m: names[m.group(1)], text)
        if new != text:
            write(root, p, new)
            note(p, "names the renamed test files")


# ---------------------------------------------------------------------------
# 2. "roles/..." include prefix

INCLUDE = re.compile(r'^(\s*#\s*include\s*")([^"]+)(")', re.M)


def resolves(root, path, include):
    return os.path.isfile(os.path.join(root, path, include))


def roles_include_prefix(root):
    for p in source_files(root):
        text = read(root, p)
        here = os.path.dirname(p)

        def fix(m):
            inc = m.group(2)
            if inc.startswith("roles/") or inc.startswith("."):
                return m.group(0)
            # Where the compiler looks before roles/: the including file's folder, the
            # -I folders (src, the repo root, and tests/ for tests).
            for d in [here, "src", ""] + (["tests"] if p.startswith("tests/") else []):
                if resolves(root, d, inc):
                    target = os.path.normpath(os.path.join(d, inc))
                    if target.startswith("roles/"):
                        return m.group(1) + target + m.group(3)
                    return m.group(0)
            if resolves(root, "roles", inc):
                return m.group(1) + "roles/" + inc + m.group(3)
            return m.group(0)

        new = INCLUDE.sub(fix, text)
        if new != text:
            write(root, p, new)
            note(p, "includes roles/ headers as \"roles/...\"")

    meson = "roles/meson.build"
    if os.path.exists(os.path.join(root, meson)):
        text = read(root, meson)
        new = text.replace("include_directories: [src_inc, include_directories('.')]", "include_directories: src_inc")
        if new != text:
            write(root, meson, new)
            note(meson, "roles/ is no longer an include directory")


# ---------------------------------------------------------------------------
# 3. every layer inside gs::

# Old top-level namespace -> its place inside gs.
LAYERS = {
    "dtls_test": "dtls::test",
    "dtls::detail": "dtls::detail",
    "dtls": "dtls",
    "net": "net",
    "transport": "transport",
}

NS_EVENTS = re.compile(r'''
    (?P<open>\bnamespace\s+(?P<name>[A-Za-z_][\w:]*)\s*\{)
  | (?P<using>\busing\s+namespace\s+(?P<uname>dtls_test|dtls|net|transport)\b(?!::))
  | (?P<brace>[{}])
  | (?<![\w.:])(?<!->)(?P<use>(?P<layer>dtls|net|transport)::|dtls_test\b)
''', re.X)

CLOSING = re.compile(r"^(\}\s*//\s*namespace\s+)(dtls_test|dtls::detail|dtls|net|transport)[ \t]*$", re.M)


def inside_gs(stack):
    return any(n == "gs" or n.startswith("gs::") for n in stack if n)


def qualify(name, in_gs):
    name = LAYERS[name]
    return name if in_gs else "gs::" + name


def layers_inside_gs(root):
    for p in source_files(root):
        text = read(root, p)
        if not re.search(r"\b(dtls_test|dtls|net|transport)\b", text):
            continue
        view = mask(text)
        stack = []  # namespace name, or None for any other brace
        edits = []
        for m in NS_EVENTS.finditer(view):
            if m.group("open"):
                name = m.group("name")
                if name in LAYERS and not inside_gs(stack):
                    start = m.start("name")
                    edits.append((start, m.end("name"), "gs::" + LAYERS[name]))
                    name = "gs::" + LAYERS[name]
                stack.append(name)
            elif m.group("using"):
                edits.append((m.start("uname"), m.end("uname"), qualify(m.group("uname"), inside_gs(stack))))
            elif m.group("brace") == "{":
                stack.append(None)
            elif m.group("brace") == "}":
                if stack:
                    stack.pop()
            elif m.group("use"):
                in_gs = inside_gs(stack)
                if m.group("layer"):
                    if not in_gs:
                        edits.append((m.start("use"), m.end("use"), "gs::" + m.group("use")))
                else:
                    edits.append((m.start("use"), m.end("use"), qualify("dtls_test", in_gs)))
        for start, end, new in reversed(edits):
            text = text[:start] + new + text[end:]
        text, closings = CLOSING.subn(lambda m: m.group(1) + "gs::" + LAYERS[m.group(2)], text)
        if edits or closings:
            write(root, p, text)
            note(p, f"{len(edits) + closings} namespace name(s) inside gs::")


# ---------------------------------------------------------------------------
# 4. CamelCase types in crypto and store

# Names that are only ever types: renamed wherever they appear in code (not after
# `.` or `->`, which would be a member of that name).
TYPES = {
    # src/crypto
    "issued_token": "IssuedToken",
    "token_signer": "TokenSigner",
    "token_time": "TokenTime",
    "token_claims": "TokenClaims",
    "token_error": "TokenError",
    "jws_error": "JwsError",
    "jws_parts": "JwsParts",
    "secret_buffer": "SecretBuffer",
    "token_verifier_config": "TokenVerifierConfig",
    "token_key_set": "TokenKeySet",
    "token_verifier": "TokenVerifier",
    "jti_use": "JtiUse",
    "ed25519_public_key": "Ed25519PublicKey",
    "ed25519_signature": "Ed25519Signature",
    "ed25519_private_key": "Ed25519PrivateKey",
    "link_nonce": "LinkNonce",
    "link_proof": "LinkProof",
    "link_direction": "LinkDirection",
    "link_party": "LinkParty",
    "link_transcript": "LinkTranscript",
    "file_access": "FileAccess",
    "jti_cache": "JtiCache",
    "fd_guard": "FdGuard",
    "string_member": "StringMember",
    "date_member": "DateMember",
    "payload_claims": "PayloadClaims",
    # src/store
    "sqlite_error": "SqliteError",
    "sqlite_db": "SqliteDb",
    "sqlite_stmt": "SqliteStmt",
    "sqlite_transaction": "SqliteTransaction",
    "postgres_error": "PostgresError",
    "postgres_settings": "PostgresSettings",
    "pg_failure": "PgFailure",
    "pg_result_set": "PgResultSet",
    "pg_connection": "PgConnection",
    "unix_time": "UnixTime",
    "store_status": "StoreStatus",
    "store_options": "StoreOptions",
    "account_store": "AccountStore",
    "postgres_account_store": "PostgresAccountStore",
    "pwhash_params": "PwhashParams",
    "password_hasher": "PasswordHasher",
    "throttle_limits": "ThrottleLimits",
    "known_addresses": "KnownAddresses",
    "failure_window": "FailureWindow",
    "login_throttle": "LoginThrottle",
    "sqlite_account_store": "SqliteAccountStore",
    "address_prefixes": "AddressPrefixes",
    "name_error": "NameError",
    "password_error": "PasswordError",
}

# Folders where a name in TYPES is something else (a config key and member).
NOT_A_TYPE_IN = {
    "account_store": ("src/config/",),
    "failure_window": ("src/config/",),
}

# Short names that are also ordinary words, variables or functions: renamed only in
# the files that declare them, where every use in code is the type, and where they
# are qualified by their (renamed) owner.
FILE_TYPES = {
    "src/crypto/result.hpp": {"result": "Result", "failure": "Failure"},
    "src/crypto/jti_cache.hpp": {"outcome": "Outcome", "entry": "Entry", "time_point": "TimePoint"},
    "src/crypto/jti_cache.cpp": {"outcome": "Outcome", "entry": "Entry", "time_point": "TimePoint"},
    "src/store/throttle.hpp": {"place": "Place", "entry": "Entry", "verdict": "Verdict", "time_point": "TimePoint"},
    "src/store/throttle.cpp": {"place": "Place", "entry": "Entry", "verdict": "Verdict", "time_point": "TimePoint"},
    "src/store/account_store.hpp": {"account": "Account", "lookup": "Lookup"},
    "src/store/account_store.cpp": {"account": "Account", "lookup": "Lookup"},
    "src/store/sqlite_account_store.hpp": {"account": "Account", "lookup": "Lookup", "statements": "Statements"},
    "src/store/sqlite_account_store.cpp": {"account": "Account", "lookup": "Lookup", "statements": "Statements"},
    "src/store/postgres_account_store.hpp": {"account": "Account", "lookup": "Lookup"},
    "src/store/postgres_account_store.cpp": {"account": "Account", "lookup": "Lookup"},
    "src/store/postgres.hpp": {"param": "Param"},
    "src/store/postgres.cpp": {"param": "Param", "steady": "Steady"},
    "tests/store/throttle_test.cpp": {"verdict": "Verdict"},
}

QUALIFIED = [
    # the crypto result template, wherever it is used
    (re.compile(r"(?<![\w.])(?<!->)(?:(?<=crypto::)|(?<!::))result(?=<)"), "Result"),
    (re.compile(r"(?<![\w.])(?<!->)(?:(?<=crypto::)|(?<!::))failure(?=<)"), "Failure"),
    (re.compile(r"\bstore::account\b"), "store::Account"),
    (re.compile(r"\bAccountStore::lookup\b"), "AccountStore::Lookup"),
    (re.compile(r"\bJtiCache::outcome\b"), "JtiCache::Outcome"),
    (re.compile(r"\bLoginThrottle::verdict\b"), "LoginThrottle::Verdict"),
    (re.compile(r"\b(JtiCache|LoginThrottle|FailureWindow|KnownAddresses)::time_point\b"), r"\1::TimePoint"),
    (re.compile(r"\bPgConnection::param\b"), "PgConnection::Param"),
    (re.compile(r"\bSqliteAccountStore::statements\b"), "SqliteAccountStore::Statements"),
]

TYPE_WORD = re.compile(r"(?<![\w.])(?<!->)(" + "|".join(sorted(TYPES, key=len, reverse=True)) + r")\b")
# In comments: a name that is not part of a path, a file name or a dotted config key.
COMMENT_WORD = re.compile(r"(?<![\w./-])(" + "|".join(sorted(TYPES, key=len, reverse=True)) +
                          r")\b(?!\.(?:hpp|cpp|h|c)\b|\.\w|:\s|/)")
DOC_QUALIFIED = re.compile(r"\b(crypto|store)::(" + "|".join(sorted(TYPES, key=len, reverse=True)) +
                           r"|result|failure|account)\b")


def camel_types(root):
    for p in source_files(root):
        text = read(root, p)
        original = text
        skip = {n for n, dirs in NOT_A_TYPE_IN.items() if p.startswith(dirs)}

        def rename(m):
            return None if m.group(1) in skip else TYPES[m.group(1)]

        text, _ = sub_code(text, TYPE_WORD, rename)
        text, _ = sub_comments(text, COMMENT_WORD, rename)
        local = FILE_TYPES.get(p, {})
        if local:
            # time_point after `::` is std::chrono's; the rest are only ever types here.
            words = re.compile(r"(?<![\w.])(?<!->)(?<!::)(" + "|".join(local) + r")\b")
            text, _ = sub_code(text, words, lambda m: local[m.group(1)])
        for pattern, repl in QUALIFIED:
            text, _ = sub_code(text, pattern, repl)
        if text != original:
            write(root, p, text)
            note(p, "CamelCase type names")

    # Docs name a few of them qualified (crypto::result).
    short = {"result": "Result", "failure": "Failure", "account": "Account"}
    for p in text_files(root):
        if not p.endswith(".md"):
            continue
        text = read(root, p)
        new = DOC_QUALIFIED.sub(lambda m: m.group(1) + "::" + TYPES.get(m.group(2), short.get(m.group(2), m.group(2))),
                                text)
        if new != text:
            write(root, p, new)
            note(p, "CamelCase type names")


def main(argv):
    global DRY_RUN
    args = [a for a in argv[1:] if a != "--dry-run"]
    DRY_RUN = "--dry-run" in argv[1:]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        sys.exit(__doc__)
    root = os.path.abspath(args[0] if args else ".")
    if not os.path.isfile(os.path.join(root, "meson.build")):
        sys.exit(f"restyle: {root} is not the repository root (no meson.build)")
    rename_test_files(root)
    roles_include_prefix(root)
    layers_inside_gs(root)
    camel_types(root)
    print(f"restyle: {len(CHANGES)} change(s)" + (" (dry run: nothing written)" if DRY_RUN else ""))


if __name__ == "__main__":
    main(sys.argv)
