//! HTML building blocks of the report: escaping, tables, the inline bar chart, the style sheet and
//! the small script that sorts and filters the supplier table (the page reads the same without it).

use std::fmt::Write as _;

/// Text as HTML: `<`, `>`, `&` and quotes escaped.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A header row: `<tr><th>a</th>...</tr>`; a header ending in `#` is numeric (right-aligned,
/// sorted as a number).
pub fn header_row(cells: &[&str]) -> String {
    let mut s = String::from("<tr>");
    for c in cells {
        match c.strip_suffix('#') {
            Some(h) => {
                let _ = write!(s, "<th class=\"num\">{}</th>", esc(h));
            }
            None => {
                let _ = write!(s, "<th>{}</th>", esc(c));
            }
        }
    }
    s.push_str("</tr>");
    s
}

/// A plain table: a header row, then one row of escaped text cells per item.
pub fn table<'a>(h: &mut String, head: &[&str], rows: impl IntoIterator<Item = Vec<&'a str>>) {
    h.push_str("<table>");
    h.push_str(&header_row(head));
    for row in rows {
        h.push_str("<tr>");
        for c in row {
            td(h, c, false);
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// A body cell, escaped; `num` right-aligns it.
pub fn td(s: &mut String, text: &str, num: bool) {
    if num {
        let _ = write!(s, "<td class=\"num\">{}</td>", esc(text));
    } else {
        let _ = write!(s, "<td>{}</td>", esc(text));
    }
}

/// A body cell that does not wrap (dates, codes).
pub fn td_nw(s: &mut String, text: &str) {
    let _ = write!(s, "<td class=\"nw\">{}</td>", esc(text));
}

/// Horizontal bar chart as inline SVG: (label, value, colour).
pub fn bar_chart(title: &str, bars: &[(String, u64, &str)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row_h = 26;
    let h = bars.len() * row_h + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"640\" height=\"{h}\" font-size=\"13\">",
        esc(title)
    );
    for (i, (label, n, color)) in bars.iter().enumerate() {
        let y = i * row_h + 5;
        let w = (*n as f64 / max as f64 * 380.0).round() as u64;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"190\" y=\"{y}\" width=\"{}\" height=\"18\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{n}</text>",
            y + 14,
            esc(label),
            w.max(1),
            196 + w,
            y + 14
        );
    }
    s.push_str("</svg>");
    s
}

/// The page's style: screen, and A4 print (the needs-attention list first, the full supplier
/// table only when `#print-all` is ticked, headers repeated on every page, nothing interactive).
pub const STYLE: &str = "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;\
margin:2em;color:#222;font-size:14px}svg{font-family:inherit;max-width:100%}\
table{border-collapse:collapse;margin:.5em 0 1em}\
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f0f0f0}\
.num{text-align:right}.nw{white-space:nowrap}.worse{color:#b00020;font-weight:bold}\
h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:1.5em}.meta,.none{color:#555}\
.list td{max-width:30em}.sev-0 td{background:#fde0e0}.sev-1 td{background:#fff0e0}\
.sev-2 td,.sev-3 td{background:#fff8e0}details table{margin:.3em 0}summary{cursor:pointer;color:#0645ad;white-space:nowrap}\
th.sortable{cursor:pointer}th.sortable:after{content:\" \\2195\";color:#999}\
.controls{margin:.5em 0}.controls label{margin-right:1.5em;white-space:nowrap}.controls input[type=search]{padding:3px 6px;width:18em}\
.controls input[type=checkbox],.print-all input{margin:0 .3em 0 0;vertical-align:middle}.print-all{margin-left:1.5em;white-space:nowrap}\
.more button{padding:4px 12px;cursor:pointer}\
#all-suppliers,.later{content-visibility:auto;contain-intrinsic-size:auto 3000px}\
@page{size:A4 landscape;margin:10mm}\
@media print{body{margin:0;font-size:9pt}table{font-size:8pt;margin:.3em 0 .6em}td,th{padding:2px 4px}\
.noprint,.controls,.more,summary,details{display:none!important}#all-suppliers{display:none}\
body:has(#print-all:checked) #all-suppliers{display:block}#all-suppliers,.later{content-visibility:visible}thead{display:table-header-group}\
tr{break-inside:avoid}h2,h3{break-after:avoid}.list td{max-width:none}}";

/// The page's script: draws the rows kept as JSON when asked ("show the rest", or all of them
/// when the page is opened as `report.html#all`, e.g. to print every row), draws a
/// supplier's details when opened, and sorts and filters the supplier table. The first rows of
/// every list read the same without it.
pub const SCRIPT: &str = r#"(function(){
document.addEventListener('toggle',function(e){var d=e.target;if(d.tagName!=='DETAILS'||!d.open)return;
 var t=d.querySelector(':scope>template');if(t){d.appendChild(t.content.cloneNode(true));t.remove();}},true);
Array.prototype.forEach.call(document.querySelectorAll('button[data-more]'),function(b){
 var data=null,at=0,label=b.textContent;b.addEventListener('click',function(){
 if(!data)data=JSON.parse(document.getElementById(b.getAttribute('data-more')).textContent);
 var body=document.getElementById(b.getAttribute('data-table')).tBodies[0],end=Math.min(at+1000,data.r.length),f=document.createDocumentFragment();
 for(;at<end;at++){var r=data.r[at],tr=document.createElement('tr');tr.className='sev-'+r[0];tr.setAttribute('data-key',r[data.k+1]);
  for(var i=1;i<r.length;i++){var td=document.createElement('td');td.textContent=typeof r[i]==='number'?data.s[r[i]]:r[i];tr.appendChild(td);}
  f.appendChild(tr);}
 body.appendChild(f);if(at>=data.r.length)b.parentNode.removeChild(b);else b.textContent=label.replace(/\d+/,String(data.r.length-at));});
 if(location.hash==='#all')while(b.parentNode)b.click();});
var t=document.getElementById('suppliers');if(!t)return;
var body=t.tBodies[0],heads=t.tHead.rows[0].cells,c=document.getElementById('controls');
c.hidden=false;var q=document.getElementById('filter'),only=document.getElementById('only-attention');
function cell(r,i){return r.cells[i]?r.cells[i].getAttribute('data-v')||r.cells[i].textContent:'';}
Array.prototype.forEach.call(heads,function(h,i){if(h.textContent==='')return;h.className+=' sortable';
 h.addEventListener('click',function(){var asc=h.getAttribute('data-dir')!=='asc';h.setAttribute('data-dir',asc?'asc':'desc');
 var num=h.classList.contains('num'),rows=Array.prototype.slice.call(body.rows);
 rows.sort(function(a,b){var x=cell(a,i),y=cell(b,i);var d=num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y,'zh');return asc?d:-d;});
 rows.forEach(function(r){body.appendChild(r);});});});
function apply(){var s=q.value.trim().toLowerCase(),o=only.checked;
 Array.prototype.forEach.call(body.rows,function(r){var ok=(!o||r.hasAttribute('data-flag'))&&(!s||r.textContent.toLowerCase().indexOf(s)>=0);r.style.display=ok?'':'none';});}
q.addEventListener('input',apply);only.addEventListener('change',apply);})();"#;
