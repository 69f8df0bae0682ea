# ruff: noqa: RUF001 (the corpus is made of look-alike characters on purpose)
"""Make the X weighted-length corpus: random texts, and the official twitter-text's lengths.

Usage: scripts/x_text_corpus.py SEED COUNT TWITTER_TEXT_DIR > corpus.json
TWITTER_TEXT_DIR holds node_modules/twitter-text (npm install twitter-text@3.1.0); node computes
parseTweet(text).weightedLength for each text. The texts stress what twitter-text counts
specially: URLs with and without scheme, paths, parentheses, trailing punctuation, IDN and unknown
TLDs; emoji sequences; CJK; NFD input; mentions, cashtags, hashtags.
"""

import json
import random
import subprocess
import sys
import unicodedata

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from amplifier.platforms.textdata import twemoji_sequences, twitter_text_tlds

R = random.Random(int(sys.argv[1]))
N = int(sys.argv[2])
G, C = list(twitter_text_tlds().generic), list(twitter_text_tlds().country)
FAKE_TLDS = [
    "bar",
    "ngo",
    "foo",
    "zz",
    "qq",
    "invalid",
    "local",
    "exampl",
    "comm",
    "co",
    "c",
    "xn--p1ai",
    "xn--zz",
    "XN--P1AI",
    "COM",
    "Org",
]
# emoji pieces
EMOJI = [s.text for s in twemoji_sequences()]
SKIN = [chr(c) for c in range(0x1F3FB, 0x1F400)]
RI = [chr(c) for c in range(0x1F1E6, 0x1F200)]
BASES = [
    "👍",
    "👋",
    "🙋",
    "👨",
    "👩",
    "🧑",
    "👦",
    "👧",
    "❤",
    "☝",
    "✌",
    "⛹",
    "🏋",
    "🏳",
    "🏴",
    "©",
    "®",
    "™",
    "‼",
    "↔",
    "⌚",
    "☠",
    "♀",
    "♂",
    "⚕",
    "🤝",
    "🦰",
    "🍼",
    "🔥",
    "🌈",
    "😀",
    "🫠",
    "🥱",
    "🦯",
    "\ue50a",
]
MODS = [
    "\u200d",
    "\ufe0f",
    "\ufe0e",
    "\u20e3",
    *SKIN,
    *(chr(c) for c in (0xE0067, 0xE0062, 0xE0073, 0xE0063, 0xE0074, 0xE007F)),
]


def emoji_seq():
    k = R.random()
    if k < 0.45:
        return R.choice(EMOJI)
    if k < 0.55:
        return R.choice(RI) + R.choice(RI)
    if k < 0.62:
        return R.choice("0123456789#*a") + R.choice(
            ["\ufe0f\u20e3", "\u20e3", "\ufe0f", "\ufe0e\u20e3"]
        )
    if k < 0.8:
        return "".join(R.choice(BASES + MODS) for _ in range(R.randint(1, 6)))
    # join emoji by ZWJ
    return "\u200d".join(R.choice(EMOJI + BASES) for _ in range(R.randint(2, 4)))


WORDS = [
    "hello",
    "Keep",
    "the",
    "library",
    "open",
    "café",
    "naïve",
    "Straße",
    "über",
    "e.g.",
    "Mr.Smith",
    "a.b",
    "U.S.A.",
    "etc.",
    "...",
    "1.5",
    "v2.0",
    "I.O.U",
]
CJK = "故人西辞黄鹤楼烟花三月下扬州日本語のテキストです한국어텍스트"
SCRIPTS = [
    "Привет",
    "مرحبا",
    "שלום",
    "नमस्ते",
    "สวัสดี",
    "γειά",
    "ሰላም",
    "각",
    "\u1100\u1161\u11a8",
    "Ꭰ",
    "𝐀𝐁",
    "𠀋",
    "ﬁ",
    "Å",
    "Ω",
    "ǅ",
]
NFD_SRC = ["café", "naïve", "Ångström", "ḍ̇", "q̇", "ệ", "한국어", "가각", "ﾊﾟ", "が", "ö̲"]
SPECIAL = [
    "\u200d",
    "\u200c",
    "\u200b",
    "\u2019",
    "\u2026",
    "\u2014",
    "\u2032",
    "\u2047",
    "\u2028",
    "\u00a0",
    "\u3000",
    "\ufeff",
    "\ufffe",
    "\u202e",
    "\u200e",
    "\u2066",
    "\r\n",
    "\n",
    "\t",
    "\u0301",
    "\u0308",
    "\u1160",
    "\u11a8",
]
PUNCT_AFTER = [
    "",
    "",
    ".",
    ",",
    "!",
    "?",
    ")",
    ":",
    ";",
    '"',
    "'",
    "...",
    ").",
    "!)",
    "]",
    ">",
    "\u2026",
    "\u3002",
]
BEFORE = [
    " ",
    " ",
    "",
    "(",
    '"',
    "@",
    "$",
    "#",
    "-",
    "_",
    ".",
    "/",
    "a",
    "1",
    "＠",
    "\u200e",
    "\u202a",
    "日",
    "，",
    ":",
]


def label():
    k = R.random()
    if k < 0.6:
        return "".join(
            R.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(R.randint(1, 10))
        )
    if k < 0.7:
        return R.choice(["a-b", "foo_bar", "-ab", "ab-", "x--y", "A1B"])
    if k < 0.8:
        return R.choice(
            ["bücher", "münchen", "ñandú", "привет", "例え", "한국", "xn--bcher-kva", "éxample"]
        )
    if k < 0.85:
        return "a" * R.choice([62, 63, 64, 70])
    return R.choice(["www", "news", "bit", "t", "x", "example", "co", "amp"])


def domain():
    n = R.randint(1, 3)
    t = R.random()
    tl = R.choice(G) if t < 0.35 else R.choice(C) if t < 0.7 else R.choice(FAKE_TLDS)
    if R.random() < 0.1:
        tl = tl.upper()
    return ".".join(label() for _ in range(n)) + "." + tl


PATH_CHARS = "abcXYZ019-_~!*';:=+,.$/%#[]@|&()–ыé"


def path():
    k = R.random()
    if k < 0.3:
        return ""
    if k < 0.4:
        return "/"
    p = "/" + "".join(R.choice(PATH_CHARS) for _ in range(R.randint(1, 25)))
    if R.random() < 0.2:
        p += "(" + R.choice(["a", "b_c", "x(y)z", "", "a b"]) + ")"
    if R.random() < 0.3:
        p += "?" + "".join(R.choice("ab=&1-_?!*'@();:+$/%#[],.~|") for _ in range(R.randint(0, 15)))
    return p


def url():
    k = R.random()
    scheme = R.choice(
        ["", "", "http://", "https://", "HTTPS://", "ftp://", "http:/", "https://www."]
    )
    if k < 0.05:
        return (
            scheme
            + "t.co/"
            + "".join(R.choice("abcXYZ019") for _ in range(R.randint(0, 45)))
            + R.choice(["", "?a=b", "/more", ".x"])
        )
    port = R.choice(["", "", "", ":80", ":8080", ":", ":abc"])
    user = R.choice([""] * 8 + ["user@", "u:p@"])
    if k < 0.08:
        return scheme + R.choice(["localhost", "127.0.0.1", "192.168.0.1", "[::1]"]) + port + path()
    return scheme + user + domain() + port + path()


def mention():
    return (
        R.choice(["@", "＠"])
        + R.choice(["alice", "User_Name", "User.Name", "a" * 21, "bob"])
        + R.choice(["", "@example.social", "@mastodon.social", "/list", ""])
    )


def cashtag():
    return "$" + R.choice(["TWTR", "AAPL", "twtr", "A1", "ABCDEFG", "1A", "BRK.A", "X_Y"])


def hashtag():
    return R.choice(["#", "＃"]) + R.choice(["tag", "Library_Late", "日本", "123", "a1", "ﾊｯｼｭ"])


def piece():
    k = R.random()
    if k < 0.22:
        return R.choice(BEFORE) + url() + R.choice(PUNCT_AFTER)
    if k < 0.4:
        return emoji_seq()
    if k < 0.5:
        return R.choice(WORDS)
    if k < 0.57:
        return "".join(R.choice(CJK) for _ in range(R.randint(1, 8)))
    if k < 0.64:
        return R.choice(SCRIPTS)
    if k < 0.7:
        return unicodedata.normalize("NFD", R.choice(NFD_SRC))
    if k < 0.76:
        return R.choice(SPECIAL)
    if k < 0.82:
        return mention()
    if k < 0.86:
        return cashtag()
    if k < 0.9:
        return hashtag()
    if k < 0.95:
        return "".join(chr(R.randint(0x20, 0x10FFF)) for _ in range(R.randint(1, 4)))
    return R.choice(
        [
            "me@example.com",
            "a@b.co",
            "foo.bar",
            "example.ngo",
            "bit.ly",
            "a\u200db",
            "(http://example.com/a)",
            "https://en.wikipedia.org/wiki/Rome_(disambiguation)",
        ]
    )


def text():
    n = R.randint(1, 8)
    sep = R.choice([" ", " ", "", "\n", "\u3000"])
    t = sep.join(piece() for _ in range(n))
    if R.random() < 0.15:
        t = unicodedata.normalize("NFD", t)
    return "".join(c for c in t if not 0xD800 <= ord(c) <= 0xDFFF)


_ORACLE = (
    "const tt=require('twitter-text');const c=[];process.stdin.on('data',d=>c.push(d));"
    "process.stdin.on('end',()=>{const t=JSON.parse(Buffer.concat(c).toString('utf8'));"
    "process.stdout.write(JSON.stringify(t.map(x=>tt.parseTweet(x).weightedLength)))});"
)
texts = [text() for _ in range(N)]
lengths = json.loads(
    subprocess.run(
        ["node", "-e", _ORACLE],
        input=json.dumps(texts).encode(),
        capture_output=True,
        check=True,
        cwd=sys.argv[3],
    ).stdout
)
cases = [[t, n] for t, n in zip(texts, lengths, strict=True)]
print(json.dumps({"cases": cases}, ensure_ascii=False))
