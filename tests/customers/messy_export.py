"""A messy GB18030 export like the ones other systems write, with the counts it should give.

2,000 rows: five phone formats, quoted commas and newlines inside cells (far past the first
4 KB), 50 re-formatted duplicates, 30 rows without a name, 10 bad phones, formula and markup
names, a NUL byte, e-mails shared between different people (in the file, and with customers
already on file who must stay untouched).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

HEADER = ["客户名称", "公司", "手机", "邮箱", "地区", "等级", "备注"]
ROWS = 2000
DUPLICATES = 50
NAMELESS = 30
BAD_PHONES = ["12345", "1380013800", "abc", "999", "12012345678", "0", "138001380001", "+1 23",
              "138-0013-80", "电话待补"]  # fmt: skip
HOSTILE_NAMES = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@HYPERLINK(\"x\")",
                 "<script>alert(1)</script>", "<b>粗体</b>王"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
REGIONS = ["华东", "华北", "华南", "西南", ""]
TIERS = ["VIP", "普通", "关键客户", "", "vip"]


def phone_formats(digits: str) -> list[str]:
    """Five ways people write one mobile number."""
    return [
        digits,
        f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
        f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        f"0086{digits}",
        f"(+86) {digits[:3]} {digits[3:]}",
    ]


@dataclass
class MessyExport:
    data: bytes
    #: counts the import must report
    expected: dict[str, object]
    #: line -> reason code of each rejected row
    rejected_lines: dict[int, str]
    #: (name, phone, e-mail) of customers already on file who share only an e-mail with a row
    existing: list[tuple[str, str, str]] = field(default_factory=list)


def build(seed: int = 20, rows: int = ROWS) -> MessyExport:
    rng = random.Random(seed)  # noqa: S311 - test data, repeatable by seed
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    line_of_next = 2
    kinds = ["dup"] * DUPLICATES + ["nameless"] * NAMELESS + ["bad"] * len(BAD_PHONES) + ["nul"]
    kinds += ["valid"] * (rows - len(kinds))
    # The first 100 rows are valid, so duplicates always have an original before them.
    head, tail = kinds[-100:], kinds[:-100]
    rng.shuffle(tail)
    kinds = head + tail
    seen: list[tuple[str, str]] = []
    rejected: dict[int, str] = {}
    shared_emails = [f"family{i}@example.cn" for i in range(20)]
    existing = [(f"老客户{i}", f"1370000{i:04d}", shared_emails[i]) for i in range(5)]
    valid = hostile = 0
    for index, kind in enumerate(kinds):
        number = f"1{rng.choice('3456789')}{index:09d}"
        if index % 97 == 0:
            number = f"140{index:08d}"  # possible, outside the known ranges: kept with a warning
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = phone_formats(number)[index % 5]
        email = shared_emails[(index // 40) % 20] if index % 40 == 0 else f"c{index}@example.cn"
        company = f"公司{index}, 有限" if index % 3 == 0 else f"公司{index}"
        notes = f"第一行\n第二行 {index}" if index % 11 == 0 else ""
        if kind == "valid" and hostile < len(HOSTILE_NAMES) and index > 300:
            name, hostile = HOSTILE_NAMES[hostile], hostile + 1
        if kind == "dup":
            name, original = seen[rng.randrange(len(seen))]
            phone = phone_formats(original)[(index + 2) % 5]
            email = ""
        elif kind == "nameless":
            name = ""
            rejected[line_of_next] = "name"
        elif kind == "bad":
            phone = BAD_PHONES[len([k for k in rejected.values() if k == "phone"])]
            rejected[line_of_next] = "phone"
        elif kind == "nul":
            name = name[:1] + "\x00" + name[1:]
            rejected[line_of_next] = "invalid"
        else:
            valid += 1
            seen.append((name, number))
        cells = [name, company, phone, email, rng.choice(REGIONS), rng.choice(TIERS), notes]
        start = out.tell()
        writer.writerow(cells)
        line_of_next += out.getvalue()[start:].count("\n")
    reasons: dict[str, int] = {}
    for reason in rejected.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    expected = {
        "rows": rows,
        "new": valid,
        "updated": 0,
        "unchanged": 0,
        "duplicates_in_file": DUPLICATES,
        "conflicts": 0,
        "rejected": len(rejected),
        "rejected_by_reason": dict(sorted(reasons.items())),
        "encoding": "gb18030",
    }
    return MessyExport(out.getvalue().encode("gb18030"), expected, rejected, existing)


if __name__ == "__main__":  # pragma: no cover - writes a sample file by hand
    import sys

    sys.stdout.buffer.write(build().data)
