"""Benchmark: peak memory of reading and dry-running a large customer import.

Writes a CSV of about 30 MB (Chinese names, GB18030 as Chinese Excel saves it) to a temporary
file a chunk at a time, then uploads it through the import service (read, keep, dry run) on an
empty SQLite database, as the upload page does, and prints the process's peak RSS. Asserts
nothing.

    .venv/bin/python bench/import_memory.py --megabytes 30
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from config import Config
from crm import create_app
from crm.customers import imports
from crm.extensions import db
from tests.factories import make_user

HEADER = "姓名,手机,邮箱,公司,地区,行业,标签,备注\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_csv(path: Path, megabytes: int) -> int:
    """A CSV of about ``megabytes`` MB; returns its customer rows."""
    rng = random.Random(19)
    target = megabytes * 1024 * 1024
    rows = 0
    with path.open("wb") as out:
        out.write(HEADER.encode("gb18030"))
        while out.tell() < target:
            chunk = []
            for _ in range(1000):
                rows += 1
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                chunk.append(
                    f"{name},1{rng.randint(3, 9)}{rows:09d},user{rows}@example.cn,"
                    f"上海某某信息科技有限公司第{rows % 500}分公司,上海市浦东新区,信息技术,"
                    f"VIP;回访,第{rows}行的备注：客户希望下午联系，并发送产品资料和报价单\n"
                )
            out.write("".join(chunk).encode("gb18030"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "customers.csv"
        rows = write_csv(csv_path, args.megabytes)
        size_mb = csv_path.stat().st_size / 1024 / 1024
        config = Config()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(config)
        with app.app_context():
            upgrade()
            actor = make_user(username="bench", roles=["supervisor"])
            db.session.commit()
            before = peak_rss_mb()
            started = time.perf_counter()
            with csv_path.open("rb") as upload:
                batch, _table = imports.start_import(
                    actor=actor, filename="customers.csv", data=upload
                )
            db.session.commit()
            read_at = time.perf_counter()
            after_read = peak_rss_mb()
            counts = imports.dry_run(
                actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid"
            )
            done = time.perf_counter()
            db.engine.dispose()
    print(f"file: {size_mb:.1f} MB, {rows} rows; plan: {counts}")
    print(f"upload and read: {read_at - started:.1f} s; dry run: {done - read_at:.1f} s")
    print(
        f"peak RSS before the import: {before:.0f} MB; after the upload was read and kept: "
        f"{after_read:.0f} MB; after the dry run: {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
