"""The merchant page, its 404 and the gateway's landing page, as HTML strings.

Everything shown is passed through :func:`html.escape` (``e``) where it is put into the markup, so a name
such as ``<script>`` is text on the page. The pages are self-contained: inline CSS, no script, no font or
image from elsewhere (the Content-Security-Policy of :mod:`gateway.features.merchants.routes` forbids them),
and laid out for a phone first, since they are opened by scanning a code at a shop door.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from gateway.features.merchants.page_data import MerchantView
from gateway.formats.double_publicity import PENALTY_CATEGORY_LABELS
from gateway.kernel.limits import MAX_ARGUMENT_TEXT as MAX_MATTER  # as fileComplaint takes them
from gateway.kernel.limits import MAX_CONTACT

KIND_LABELS = {
    "LEGAL_PERSON": "法人",
    "INDIVIDUAL_BUSINESS": "个体工商户",
    "OTHER_ORGANIZATION": "其他组织",
    "NATURAL_PERSON": "自然人",
}
PENALTY_LABELS = {value.value: label for label, value in reversed(PENALTY_CATEGORY_LABELS.items())}
LICENSE_STATUS = {"VALID": "有效", "INVALID": "无效"}
COMMITMENT_TYPES = {
    "IN_PLACE_OF_APPROVAL": "审批替代型",
    "MISSING_DOCUMENTS": "容缺受理型",
    "IN_PLACE_OF_CERTIFICATE": "证明替代型",
    "CREDIT_REPAIR": "信用修复型",
    "INDUSTRY_SELF_REGULATION": "行业自律型",
    "VOLUNTARY": "主动型",
}
COMMITMENT_STATES = {"ACTIVE": "履行中", "FULFILLED": "已履行", "BREACHED": "已违诺", "EXPIRED": "已到期"}
FULFILMENT = {"FULL": "完全履行", "PARTIAL": "部分履行", "NONE": "未履行"}
SEVERITY = {"MINOR": "轻微", "GENERAL": "一般", "SERIOUS": "严重"}


def e(value: Any) -> str:
    """Text for HTML (element content and quoted attributes alike)."""
    return escape("" if value is None else str(value), quote=True)


def label(labels: Mapping[str, str], value: Any) -> str:
    return labels.get(str(value), str(value)) if value is not None else ""


def _yuan(ten_thousands: Any) -> str:
    """A double-publicity amount (in 万元, as a decimal string) in yuan with separators: "0.2" → "2,000"."""
    if ten_thousands is None:
        return ""
    try:
        yuan = Decimal(str(ten_thousands)) * 10_000
    except InvalidOperation:
        return str(ten_thousands)
    return f"{yuan:,.2f}".removesuffix(".00")


def domain_label(domains: Mapping[str, str], domain: str) -> str:
    """A domain's name for people (its plugin's own, see ``labels``), else its plugin name."""
    return domains.get(domain) or domain


STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f2f4f7;color:#1f2329;font:16px/1.6 -apple-system,"PingFang SC","Hiragino Sans GB",
"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif}
header{background:#c8161d;color:#fff;padding:20px 16px 24px}
header .service{font-size:13px;opacity:.85;margin:0 0 6px}
header h1{font-size:22px;line-height:1.35;margin:0 0 8px;overflow-wrap:anywhere}
header .code{font:15px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;letter-spacing:.5px;margin:0}
header .meta{font-size:13px;opacity:.9;margin:6px 0 0}
main{max-width:720px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:17px;margin:0 0 10px;display:flex;align-items:center;gap:8px}
h2 .count{font-size:13px;font-weight:normal;color:#646a73}
.summary{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:0 0 12px}
.summary div{background:#fff;border-radius:10px;padding:10px 6px;text-align:center;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.summary b{display:block;font-size:22px;line-height:1.2}
.summary span{font-size:12px;color:#646a73}
.summary .bad b{color:#c8161d}.summary .good b{color:#1a7f37}
ul.items{list-style:none;margin:0;padding:0}
ul.items li{border-top:1px solid #eef0f3;padding:10px 0}
ul.items li:first-child{border-top:0;padding-top:0}
.item-title{font-weight:600;overflow-wrap:anywhere}
.item-meta{font-size:13px;color:#646a73;overflow-wrap:anywhere}
.item-text{font-size:14px;margin:4px 0 0;overflow-wrap:anywhere}
.tag{display:inline-block;font-size:12px;line-height:1.5;border-radius:4px;padding:0 6px;margin-right:4px;
vertical-align:1px;font-weight:normal}
.tag.red{background:#fdecec;color:#c8161d}.tag.green{background:#e8f5ec;color:#1a7f37}
.tag.grey{background:#eef0f3;color:#646a73}.tag.amber{background:#fff4e0;color:#a15c00}
.empty{color:#646a73;font-size:14px;margin:0}
.pending{border:1px dashed #c9cdd4;border-radius:8px;padding:10px 12px;color:#646a73;font-size:14px}
.pending b{color:#1f2329}
form label{display:block;font-size:14px;font-weight:600;margin:10px 0 4px}
form select,form textarea,form input{width:100%;font:inherit;font-size:16px;padding:8px 10px;
border:1px solid #c9cdd4;border-radius:6px;background:#fff;color:inherit}
form textarea{min-height:120px;resize:vertical}
form .hint{font-size:12px;color:#646a73;margin:2px 0 0}
form button{margin-top:14px;width:100%;font:inherit;font-size:16px;font-weight:600;color:#fff;background:#c8161d;
border:0;border-radius:6px;padding:11px}
.errors{background:#fdecec;color:#8f1117;border-radius:6px;padding:8px 12px;font-size:14px;margin:0 0 8px}
.errors ul{margin:0;padding-left:18px}
.filed{background:#e8f5ec;color:#0f5323;border-radius:6px;padding:10px 12px;font-size:14px;margin:0 0 8px}
.filed code{display:block;font-size:15px;overflow-wrap:anywhere;background:#fff;border-radius:4px;padding:6px 8px;
margin:6px 0}
footer{max-width:720px;margin:0 auto;padding:4px 16px 28px;font-size:12px;color:#8f959e}
footer a{color:inherit}
a{color:#1456f0}
@media (min-width:600px){header{padding:28px max(16px,calc(50% - 344px)) 28px}header h1{font-size:26px}}
"""


def _document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Pages are opened from codes, not found through search engines; a revoked one must not linger there.
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@dataclass(slots=True)
class ComplaintForm:
    """The complaint form as the page shows it: what was typed (kept after an error), the errors, and the
    tracking token of a complaint just filed."""

    domain: str = ""
    matter: str = ""
    contact: str = ""
    errors: list[str] = field(default_factory=list)
    tracking_token: str | None = None


def _tags(record: Mapping[str, Any]) -> str:
    tags = []
    if record.get("severity"):
        tags.append(f'<span class="tag amber">{e(label(SEVERITY, record["severity"]))}</span>')
    if record.get("disputed"):
        tags.append('<span class="tag grey">异议处理中</span>')
    return "".join(tags)


def _meta(record: Mapping[str, Any]) -> str:
    parts = [e(record.get("decisionDate")), e(record.get("decidingAuthority"))]
    if record.get("documentNumber"):
        parts.append(e(record["documentNumber"]))
    return f'<div class="item-meta">{" · ".join(part for part in parts if part)}</div>'


def _negative(record: Mapping[str, Any], domains: Mapping[str, str], types: Mapping[str, str]) -> str:
    kind = record.get("__typename")
    domain = domain_label(domains, record.get("domain", ""))
    if kind == "AdministrativePenalty":
        title = f"行政处罚：{record.get('violationType', '')}"
        categories = "".join(
            f'<span class="tag grey">{e(label(PENALTY_LABELS, c))}</span>'
            for c in record.get("penaltyCategories") or []
        )
        fine = _yuan(record.get("fineAmount"))
        detail = f'<p class="item-text">{categories}{e(record.get("content"))}</p>'
        detail += f'<p class="item-meta">罚款金额：{e(fine)} 元</p>' if fine else ""
        detail += f'<p class="item-text">违法事实：{e(record.get("facts"))}</p>' if record.get("facts") else ""
    elif kind == "CommitmentBreach":
        title = "违背信用承诺"
        detail = ""
    else:  # a domain's own kind of record: its type's name for people, from the schema
        title = types.get(kind or "") or f"失信记录（{record.get('category', '')}）"
        detail = ""
    return (
        f'<li><div class="item-title"><span class="tag red">{e(domain)}</span>{_tags(record)}{e(title)}</div>'
        f"{_meta(record)}{detail}</li>"
    )


def _positive(record: Mapping[str, Any], domains: Mapping[str, str], types: Mapping[str, str]) -> str:
    kind = record.get("__typename")
    domain = domain_label(domains, record.get("domain", ""))
    detail = ""
    if kind == "AdministrativeLicense":
        status = label(LICENSE_STATUS, record.get("licenseStatus"))
        valid_to = record.get("validTo")
        until = "长期" if valid_to == "2099-12-31" else valid_to
        title = f"行政许可：{record.get('certificateName') or record.get('documentTitle') or ''}"
        detail = (
            f'<p class="item-text">{e(record.get("content"))}</p>'
            f'<p class="item-text">有效期：{e(record.get("validFrom"))} 至 {e(until)}（{e(status)}）</p>'
        )
    else:
        title = types.get(kind or "") or f"信用记录（{record.get('category', '')}）"
    tone = "green" if record.get("polarity") == "POSITIVE" else "grey"
    return (
        f'<li><div class="item-title"><span class="tag {tone}">{e(domain)}</span>{e(title)}</div>'
        f"{_meta(record)}{detail}</li>"
    )


def _list_entry(record: Mapping[str, Any], domains: Mapping[str, str]) -> str:
    red = record.get("listType") == "RED"
    tag = '<span class="tag green">红名单</span>' if red else '<span class="tag red">黑名单</span>'
    current = "" if record.get("isCurrent") else '<span class="tag grey">已移出</span>'
    removal = f"，移出日期 {e(record['removalDate'])}" if record.get("removalDate") else ""
    number = f" · {e(record['documentNumber'])}" if record.get("documentNumber") else ""
    return (
        f'<li><div class="item-title">{tag}{current}{e(record.get("listName"))}</div>'
        f'<div class="item-meta">{e(domain_label(domains, record.get("domain", "")))} · 列入日期 '
        f"{e(record.get('decisionDate'))}{removal} · {e(record.get('decidingAuthority'))}{number}</div>"
        f'<p class="item-text">{e(record.get("reason"))}</p></li>'
    )


def _commitment(node: Mapping[str, Any], domains: Mapping[str, str]) -> str:
    state = label(COMMITMENT_STATES, node.get("state"))
    if node.get("isExpired") and node.get("state") == "ACTIVE":
        state = "已到期，待评估"
    fulfilment = f"，{label(FULFILMENT, node['fulfilment'])}" if node.get("fulfilment") else ""
    return (
        f'<li><div class="item-title"><span class="tag grey">{e(domain_label(domains, node.get("domain", "")))}</span>'
        f"{e(label(COMMITMENT_TYPES, node.get('commitmentType')))}承诺</div>"
        f'<div class="item-meta">{e(node.get("validFrom"))} 至 {e(node.get("validUntil"))} · {e(state)}{e(fulfilment)}'
        f'</div><p class="item-text">{e(node.get("content"))}</p></li>'
    )


def _section(title: str, items: Sequence[str], empty: str) -> str:
    count = f'<span class="count">{len(items)} 条</span>' if items else ""
    inner = f'<ul class="items">{"".join(items)}</ul>' if items else f'<p class="empty">{e(empty)}</p>'
    return f"<section><h2>{e(title)}{count}</h2>{inner}</section>"


def _complaint_form(action: str, domains: Mapping[str, str], form: ComplaintForm) -> str:
    parts = ['<section id="complaint"><h2>投诉举报</h2>']
    if form.tracking_token:
        parts.append(
            '<div class="filed" role="status"><b>投诉已提交。</b>请保存下面的查询码，它只显示这一次；'
            f"凭它可查询处理进度和答复：<code>{e(form.tracking_token)}</code></div>"
        )
    if form.errors:
        items = "".join(f"<li>{e(message)}</li>" for message in form.errors)
        parts.append(f'<div class="errors" role="alert"><b>未能提交：</b><ul>{items}</ul></div>')
    options = ['<option value="">请选择受理部门所属领域</option>']
    for domain in domains:
        selected = " selected" if domain == form.domain else ""
        options.append(f'<option value="{e(domain)}"{selected}>{e(domain_label(domains, domain))}</option>')
    parts.append(
        f'<form method="post" action="{e(action)}#complaint" accept-charset="utf-8">'
        '<p class="item-meta">对该经营主体的失信行为，任何人都可以投诉举报，由相关领域的主管部门受理。</p>'
        f'<label for="domain">领域</label><select id="domain" name="domain" required>{"".join(options)}</select>'
        f'<label for="matter">投诉内容</label><textarea id="matter" name="matter" maxlength="{MAX_MATTER}" required>'
        f"{e(form.matter)}</textarea>"
        f'<p class="hint">请写明时间、地点和经过，最多 {MAX_MATTER} 字。</p>'
        f'<label for="contact">联系方式（选填）</label><input id="contact" name="contact" maxlength="{MAX_CONTACT}" '
        f'value="{e(form.contact)}" autocomplete="tel">'
        '<p class="hint">仅受理部门可见，用于回访。</p>'
        '<button type="submit">提交投诉</button></form></section>'
    )
    return "".join(parts)


def merchant_page(
    view: MerchantView, *, action: str, domains: Mapping[str, str], form: ComplaintForm, day: dt.date
) -> str:
    """The page of one merchant; ``action``: the page's own path, where the complaint form posts; ``domains``:
    the domains complaints may go to, each with its name for people."""
    meta = [label(KIND_LABELS, view.kind)]
    if view.registration_authority:
        meta.append(f"登记机关：{view.registration_authority}")
    if view.region:
        meta.append(view.region)
    current_lists = [r for r in view.lists if r.get("isCurrent")]
    red = sum(1 for r in current_lists if r.get("listType") == "RED")
    black = len(current_lists) - red
    licences = sum(1 for r in view.positive if r.get("__typename") == "AdministrativeLicense")
    summary = (
        '<div class="summary">'
        f'<div class="{"bad" if view.negative else "good"}"><b>{len(view.negative)}</b><span>失信记录</span></div>'
        f'<div class="{"bad" if black else "good"}"><b>{black}</b><span>黑名单</span></div>'
        f'<div class="{"good" if red else ""}"><b>{red}</b><span>红名单</span></div>'
        f"<div><b>{licences}</b><span>行政许可</span></div>"
        "</div>"
    )
    # 信用监管等级: no grade is made on the platform yet. The place is kept, plainly marked, with no value, so that
    # a grade published later has its place and nobody reads a made-up one meanwhile.
    grade = (
        "<section><h2>信用监管等级</h2>"
        '<div class="pending"><b>暂无评定。</b>本平台尚未开展信用分级分类监管评定，评定结果公布后将在此显示。</div>'
        "</section>"
    )
    truncated = (
        f'<p class="item-meta">仅显示最近的 {len(view.lists) + len(view.negative) + len(view.positive)} 条记录。</p>'
        if view.truncated
        else ""
    )
    types = view.type_labels
    sections = "".join(
        [
            _section("红黑名单", [_list_entry(r, domains) for r in view.lists], "未列入红名单或黑名单。"),
            _section("失信记录", [_negative(r, domains, types) for r in view.negative], "暂无公示中的失信记录。"),
            _section(
                "行政许可及其他信用信息",
                [_positive(r, domains, types) for r in view.positive],
                "暂无公示中的许可信息。",
            ),
            _section("信用承诺", [_commitment(c, domains) for c in view.commitments], "暂无公开的信用承诺。"),
        ]
    )
    body = (
        "<header>"
        '<p class="service">公共信用信息 · 一店一码</p>'
        f"<h1>{e(view.name)}</h1>"
        f'<p class="code">统一社会信用代码 {e(view.code)}</p>'
        f'<p class="meta">{e(" · ".join(meta))}</p>'
        "</header><main>"
        f"{summary}"
        f"{grade}"
        f"{sections}"
        f"{truncated}"
        f"{_complaint_form(action, domains, form)}"
        "</main>"
        f"<footer>以上为 {e(day.isoformat())} 公示中的公共信用信息，以各主管部门公布的为准。"
        '对记录有异议的，经营主体可向作出决定的部门提出。数据接口见 <a href="/graphql">/graphql</a>。</footer>'
    )
    return _document(f"{view.name} - 公共信用信息", body)


def not_found_page() -> str:
    body = (
        '<header><p class="service">公共信用信息 · 一店一码</p><h1>页面不存在</h1></header><main><section>'
        "<p>这个二维码已失效或地址有误。二维码可能已被收回或更换，请以商户现场张贴的最新二维码为准。</p>"
        '<p><a href="/">返回首页</a></p></section></main>'
    )
    return _document("页面不存在 - 公共信用信息", body)


def unavailable_page() -> str:
    body = (
        '<header><p class="service">公共信用信息 · 一店一码</p><h1>暂时无法显示</h1></header><main><section>'
        "<p>服务暂时出现问题，请稍后再扫码查看。</p></section></main>"
    )
    return _document("暂时无法显示 - 公共信用信息", body)


def landing_page(domains: Mapping[str, str]) -> str:
    shown = "、".join(domain_label(domains, d) for d in domains) or "暂无"
    body = (
        '<header><p class="service">公共信用信息</p><h1>公共信用信息服务</h1>'
        '<p class="meta">汇集各主管部门依法公示的信用信息</p></header><main>'
        "<section><h2>这是什么</h2>"
        "<p>本服务汇集各领域主管部门公示的行政处罚、行政许可、红黑名单和信用承诺等公共信用信息，"
        "按统一社会信用代码归集到每个经营主体。</p>"
        f"<p>目前接入的领域：{e(shown)}。</p></section>"
        "<section><h2>一店一码</h2>"
        "<p>商户门前张贴的二维码可直接打开该商户的信用信息页面，并可在页面上投诉举报。</p></section>"
        "<section><h2>数据接口</h2>"
        '<p>开发者和合作机构可通过 GraphQL 接口查询：<a href="/graphql">/graphql</a>。'
        "公开信息无需密钥，其他信息需使用主管部门发放的 API 密钥。</p></section></main>"
    )
    return _document("公共信用信息服务", body)
