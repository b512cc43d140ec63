"""Write a tax-rating CSV of N rows (Chinese headings, as a tax bureau exports it) for import runs.

    python bench/make_import_file.py 100000 /tmp/ratings.csv [--encoding gb18030]

Rows are two years per subject over N/2 generated organisations, all valid, so a first import
creates N records and a second creates none.
"""

from __future__ import annotations

import argparse
import csv
import random

from stdnum.cn import uscc

HEADINGS = ["纳税人名称", "统一社会信用代码", "评价年度", "纳税信用级别", "评价得分", "直接判级原因", "评价日期",
            "评价机关", "评价机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GRADES = (("A", 900, 1000), ("B", 700, 899), ("C", 400, 699))  # tenths of a point


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("path")
    parser.add_argument("--encoding", default="utf-8-sig")
    args = parser.parse_args()
    rng = random.Random(7)
    bureau = "11350100MB0301234"
    bureau += uscc.calc_check_digit(bureau)
    seen: set[str] = set()
    with open(args.path, "w", encoding=args.encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADINGS)
        written = 0
        while written < args.rows:
            body = "91350100" + "".join(rng.choice(ALPHABET) for _ in range(9))
            code = body + uscc.calc_check_digit(body)
            if code in seen:
                continue
            seen.add(code)
            for year in (2023, 2024):
                if written == args.rows:
                    break
                grade, low, high = rng.choice(GRADES)
                score = f"{rng.randint(low, high) / 10:.1f}"
                writer.writerow([f"福州测试企业{len(seen)}有限公司", code, year, grade, score, "", f"{year + 1}-04-10",
                                 "国家税务总局福州市税务局", bureau, "国家税务总局福州市税务局", bureau])  # fmt: skip
                written += 1


if __name__ == "__main__":
    main()
