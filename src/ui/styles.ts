/** The UI's stylesheet (a TS string so `tsc` ships it in dist/ without a copy step). */
export const STYLES = `
:root {
  --bg: #f6f7fb;
  --panel: #ffffff;
  --ink: #0f172a;
  --muted: #64748b;
  --line: #e5e7eb;
  --accent: #4f46e5;
  --accent-soft: #eef2ff;
  --good: #059669;
  --good-soft: #ecfdf5;
  --warn: #d97706;
  --warn-soft: #fffbeb;
  --bad: #dc2626;
  --bad-soft: #fef2f2;
  --orig: #cbd5e1;
  --stored: #4f46e5;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(15, 23, 42, .06), 0 1px 3px rgba(15, 23, 42, .04);
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  background: var(--bg);
  color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-font-smoothing: antialiased;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }

.topbar {
  display: flex; align-items: center; gap: 24px;
  height: 56px; padding: 0 28px;
  background: #0f172a; color: #e2e8f0;
}
.brand { display: flex; align-items: center; gap: 10px; color: #fff; font-weight: 650; font-size: 16px; letter-spacing: .2px; }
.brand:hover { text-decoration: none; }
.logo { width: 26px; height: 26px; }
.topnav { display: flex; gap: 6px; flex: 1; }
.topnav a { color: #cbd5e1; padding: 6px 10px; border-radius: 6px; }
.topnav a:hover, .topnav a.active { background: #1e293b; color: #fff; text-decoration: none; }
.topright { display: flex; align-items: center; gap: 12px; color: #94a3b8; font-size: 12.5px; }
.topright button { background: transparent; color: #e2e8f0; border: 1px solid #334155; }
.topright button:hover { background: #1e293b; }

.container { max-width: 1240px; margin: 0 auto; padding: 22px 28px 48px; }
.loading { color: var(--muted); padding: 40px 0; text-align: center; }

h1 { font-size: 21px; margin: 0; font-weight: 650; letter-spacing: -.2px; }
h2 { font-size: 15px; margin: 0 0 12px; font-weight: 620; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 16px; margin-bottom: 18px; }
.subtitle { color: var(--muted); margin-top: 3px; }

.crumbs { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; color: var(--muted); margin-bottom: 6px; font-size: 13px; }
.crumbs .sep { color: #cbd5e1; }

.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 14px; margin-bottom: 18px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 14px 16px; box-shadow: var(--shadow); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; font-weight: 600; }
.card .value { font-size: 24px; font-weight: 680; margin-top: 4px; letter-spacing: -.3px; }
.card .hint { color: var(--muted); font-size: 12px; margin-top: 2px; }
.card.highlight .value { color: var(--good); }

.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); margin-bottom: 18px; }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 12px 16px; border-bottom: 1px solid var(--line); }
.panel-head h2 { margin: 0; }
.panel-body { padding: 14px 16px; }
.grid-2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 18px; align-items: start; }
.grid-2 th, .grid-2 td { padding-left: 12px; padding-right: 12px; }
/* The deltaspace table carries six columns (reference, deltas, stored, savings, ratio): give it the wider half. */
.grid-2.spaces { grid-template-columns: minmax(0, 5fr) minmax(0, 7fr); }
.grid-2.spaces th, .grid-2.spaces td { padding-left: 8px; padding-right: 8px; white-space: nowrap; }
#space-table td.name { white-space: nowrap; }

table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 9px 16px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .5px; font-weight: 600; background: #fafbfc; }
tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #fafbff; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { white-space: normal; overflow-wrap: anywhere; }
td.name a { font-weight: 560; }
.empty { color: var(--muted); padding: 22px 16px; text-align: center; }
.icon { display: inline-block; width: 16px; height: 16px; vertical-align: -3px; margin-right: 7px; }

.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; border: 1px solid transparent; }
.badge.delta { background: var(--accent-soft); color: var(--accent); border-color: #c7d2fe; }
.badge.reference { background: #f0f9ff; color: #0369a1; border-color: #bae6fd; }
.badge.passthrough { background: #f1f5f9; color: #475569; border-color: #e2e8f0; }
.badge.compressed { background: #f0fdf4; color: #15803d; border-color: #bbf7d0; }
.badge.pending { background: #fffbeb; color: #b45309; border-color: #fde68a; }
.grade { display: inline-block; padding: 1px 8px; border-radius: 6px; font-size: 12px; font-weight: 650; }
.grade.Excellent { background: var(--good-soft); color: var(--good); }
.grade.Good { background: #f0fdf4; color: #16a34a; }
.grade.Fair { background: var(--warn-soft); color: var(--warn); }
.grade.Poor { background: var(--bad-soft); color: var(--bad); }

.savings { display: inline-flex; align-items: center; gap: 8px; justify-content: flex-end; min-width: 120px; }
.meter { width: 64px; height: 6px; border-radius: 3px; background: #e2e8f0; overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--good); border-radius: 3px; }
.savings.none .pct { color: var(--muted); }

button, .button {
  display: inline-flex; align-items: center; gap: 6px;
  font: inherit; font-weight: 560; font-size: 13px;
  padding: 6px 12px; border-radius: 7px; cursor: pointer; line-height: 1.3;
  border: 1px solid var(--line); background: #fff; color: var(--ink);
}
button:hover, .button:hover { background: #f8fafc; text-decoration: none; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover, .button.primary:hover { background: #4338ca; }
button.danger { color: var(--bad); border-color: #fecaca; }
button.danger:hover { background: var(--bad-soft); }
button.small { padding: 3px 9px; font-size: 12px; }
button:disabled { opacity: .55; cursor: default; }

.dropzone { transition: box-shadow .15s, border-color .15s; }
.dropzone.over { border-color: var(--accent); box-shadow: 0 0 0 3px #c7d2fe; }
.dropzone.over tbody td { background: var(--accent-soft); }
.upload-head { display: flex; align-items: center; gap: 10px; }
.drop-hint { font-size: 12.5px; }
.progress { font-size: 12.5px; color: var(--accent); }

.chart svg { display: block; width: 100%; height: auto; }
.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.chart text:not([fill]) { fill: #334155; }
.chart text.axis { fill: #94a3b8; font-size: 11px; }
.legend { display: flex; gap: 16px; color: var(--muted); font-size: 12px; margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }

dl.props { display: grid; grid-template-columns: 190px minmax(0, 1fr); margin: 0; }
dl.props dt, dl.props dd { padding: 8px 16px; border-bottom: 1px solid var(--line); margin: 0; }
dl.props dt { color: var(--muted); font-weight: 560; }
dl.props dd { word-break: break-all; }
dl.props dt:last-of-type, dl.props dd:last-of-type { border-bottom: none; }

.login-wrap { display: flex; justify-content: center; padding-top: 70px; }
.login { width: 380px; background: var(--panel); border: 1px solid var(--line); border-radius: 12px; box-shadow: 0 8px 30px rgba(15, 23, 42, .08); padding: 26px 28px; }
.login h1 { margin-bottom: 4px; }
.login p { color: var(--muted); margin: 0 0 18px; }
.login label { display: block; font-weight: 560; font-size: 13px; margin: 12px 0 5px; }
.login input { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #cbd5e1; border-radius: 7px; }
.login input:focus { outline: 2px solid #c7d2fe; border-color: var(--accent); }
.login .tabs { display: flex; gap: 4px; background: #f1f5f9; padding: 3px; border-radius: 8px; margin-bottom: 6px; }
.login .tabs button { flex: 1; justify-content: center; border: none; background: transparent; }
.login .tabs button.active { background: #fff; box-shadow: var(--shadow); }
.login .submit { width: 100%; justify-content: center; margin-top: 20px; padding: 9px; }
.error { color: var(--bad); background: var(--bad-soft); border: 1px solid #fecaca; padding: 8px 12px; border-radius: 7px; margin-top: 14px; }

.toast { position: fixed; right: 22px; bottom: 22px; background: #0f172a; color: #fff; padding: 10px 16px; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.2); opacity: 0; transform: translateY(8px); transition: all .2s; pointer-events: none; }
.toast.show { opacity: 1; transform: none; }
.toast.bad { background: var(--bad); }
.muted { color: var(--muted); }
.more { text-align: right; margin-top: -6px; }
`;
