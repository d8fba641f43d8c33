#!/usr/bin/env python3
"""Regenerate sample_data/suppliers.csv from the simulator's default dataset (seed 42).

Usage: cargo run -q -- simulate --list-companies | python3 scripts/make_sample.py > sample_data/suppliers.csv

The list is what a supplier master really looks like: codes and names, duplicates (some typed with
full-width digits or in lower case), a few codes with a wrong check digit, old 15-digit
registration numbers, suppliers the vendor does not know, and empty rows.
"""
import csv, random, sys

rng = random.Random(20261130)
companies = list(csv.DictReader(sys.stdin))
chosen = companies[:160]
rows = []
full = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")
for i, c in enumerate(chosen):
    if i % 9 == 4:
        rows.append((c["name"], ""))                 # name only
    elif i % 23 == 5:
        rows.append((c["name"], c["reg_no"]))        # old registration number
    else:
        rows.append((c["name"], c["uscc"]))
charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
for c in rng.sample(chosen, 6):                        # typos in the check digit
    bad = c["uscc"][:17] + next(x for x in charset if x != c["uscc"][17])
    rows.append((c["name"] + "(旧编码)", bad))
for c in rng.sample(chosen, 8):                        # duplicates, as people type them
    rows.append((c["name"], c["uscc"].translate(full)))
for c in rng.sample(chosen, 6):
    rows.append((" " + c["name"] + " ", c["uscc"].lower()))
for n in ["上海未登记贸易有限公司", "深圳市无此公司科技有限公司", "广州某某不存在物流有限公司",
          "宁波测试供应商有限公司", "杭州虚构电子有限公司", "Acme Trading Ltd", "厦门海外采购部",
          "天津停业清算有限公司", "苏州新设立有限公司", "青岛个体经营户"]:
    rows.append((n, ""))
rows.append(("", ""))
rows.append(("", ""))
rng.shuffle(rows)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["供应商编号", "供应商名称", "统一社会信用代码", "备注"])
notes = ["", "", "", "年度审核", "新供应商", "", "重点关注", ""]
for i, (name, code) in enumerate(rows):
    w.writerow([f"S{10000 + i}", name, code, notes[i % len(notes)]])
