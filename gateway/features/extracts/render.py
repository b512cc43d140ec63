"""The public verification page (信用信息摘要核验) as HTML: the verdict, the facts signed (to compare with the
paper), and a form to check the PDF itself. Everything shown is escaped (``e``); inline CSS, no script."""

from __future__ import annotations

from typing import Any

from gateway.features.extracts.checking import Status, Verdict
from gateway.features.extracts.describe import chinese_date
from gateway.features.merchants.render import STYLE, e
from gateway.kernel.limits import MAX_EXTRACT_UPLOAD_BYTES

TITLE = "信用信息摘要核验"
VERDICT_LABELS = {
    Status.VALID: "有效",
    Status.EXPIRED: "已过期",
    Status.REVOKED: "已撤销",
    Status.NOT_FOUND: "未找到",
    Status.ALTERED: "已被改动",
    Status.FORGED: "签名无效",
}
EXTRA_STYLE = """
.verdict{border-radius:10px;padding:16px;margin:0 0 12px;color:#fff}
.verdict b{display:block;font-size:24px;line-height:1.3}
.verdict p{margin:6px 0 0;font-size:15px}
.verdict.ok{background:#1a7f37}.verdict.warn{background:#a15c00}.verdict.bad{background:#c8161d}
dl.facts{display:grid;grid-template-columns:7em 1fr;gap:6px 12px;margin:0}
dl.facts dt{color:#646a73}dl.facts dd{margin:0;overflow-wrap:anywhere}
.number{font:15px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
form input[type=file]{padding:6px}
"""


def _page(body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{TITLE}</title>\n<style>{STYLE}{EXTRA_STYLE}</style>\n</head>\n<body>\n"
        '<header><p class="service">公共信用信息服务平台</p>'
        f"<h1>{TITLE}</h1></header>\n<main>\n{body}\n</main>\n"
        "<footer>核验结果以平台登记的信息为准。摘要仅反映出具日在公示期内的信用信息。"
        '签名公钥见 <a href="/.well-known/credit-gateway-keys.json">/.well-known/credit-gateway-keys.json</a>。'
        "</footer>\n</body>\n</html>\n"
    )


def _tone(status: Status) -> str:
    if status is Status.VALID:
        return "ok"
    return "warn" if status in (Status.EXPIRED, Status.REVOKED) else "bad"


def _facts(row: Any, number: str) -> str:
    if row is None:
        return f'<section><dl class="facts"><dt>编号</dt><dd class="number">{e(number) or "—"}</dd></dl></section>'
    items = [
        ("编号", f'<span class="number">{e(row.number)}</span>'),
        ("主体名称", e(row.subject_name)),
        ("主体代码", f'<span class="number">{e(row.subject_code)}</span>'),
        ("出具日期", e(chinese_date(row.issued_on))),
        ("有效期至", e(chinese_date(row.valid_until))),
        ("签名密钥", f'<span class="number">{e(row.key_id)}</span>'),
    ]
    cells = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in items)
    return (
        '<section><h2>平台登记的摘要信息</h2><dl class="facts">'
        f'{cells}</dl><p class="item-meta">请与纸质或电子摘要逐项核对。</p></section>'
    )


def _upload(action: str) -> str:
    limit = MAX_EXTRACT_UPLOAD_BYTES // (1024 * 1024)
    return (
        "<section><h2>上传文件核验</h2>"
        '<p class="item-text">上传收到的摘要 PDF 文件，平台将校验其电子签名，并与登记的原件逐字节比对。</p>'
        f'<form method="post" action="{e(action)}" enctype="multipart/form-data">'
        '<label for="file">摘要文件（PDF）</label>'
        f'<input id="file" name="file" type="file" accept="application/pdf" required>'
        f'<p class="hint">不超过 {limit} MB。文件仅用于本次核验，不会保存。</p>'
        '<button type="submit">核验文件</button></form></section>'
    )


def verdict_page(verdict: Verdict, *, action: str, uploaded: bool = False) -> str:
    status = verdict.status
    source = "上传的文件" if uploaded else "此编号"
    box = (
        f'<div class="verdict {_tone(status)}"><b>{e(VERDICT_LABELS[status])}</b>'
        f"<p>{e(source)}：{e(verdict.message)}</p></div>"
    )
    return _page(box + _facts(verdict.row, verdict.number) + _upload(action))


def form_page(*, errors: list[str] | None = None) -> str:
    problems = "".join(f"<li>{e(error)}</li>" for error in errors or [])
    notice = f'<div class="errors"><ul>{problems}</ul></div>' if problems else ""
    lookup = (
        "<section><h2>按编号核验</h2>"
        '<form method="get" action="/verify"><label for="number">摘要编号</label>'
        '<input id="number" name="number" placeholder="XY20261130-XXXX-XXXX-XXXX" required>'
        '<button type="submit">查询</button></form></section>'
    )
    return _page(notice + lookup + _upload("/verify"))
