/* Nurture dashboard: a small single-page app over the admin API.
 * Every piece of lead data is user input, so text is only ever set with textContent (never innerHTML),
 * and the charts are SVG elements built one by one. The admin token lives in sessionStorage only. */
(function () {
  "use strict";

  var TOKEN_KEY = "nurture-dashboard:token";
  var SVG = "http://www.w3.org/2000/svg";
  var STAGES = ["new", "engaged", "mql", "sql", "customer"];
  var leadsCursor = null;
  var leadsTicket = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k] === null || attrs[k] === undefined ? "" : String(attrs[k]);
      else if (k === "className") node.setAttribute("class", attrs[k]);
      else node.setAttribute(k, String(attrs[k]));
    });
  }

  function append(node, children) {
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function fmtValue(v) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v === "object") {
      return Object.keys(v).filter(function (k) { return v[k] !== null && v[k] !== undefined; })
        .map(function (k) { return k + ": " + v[k]; }).join(", ");
    }
    return String(v);
  }

  function fmtTime(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function fmtDay(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleDateString(undefined, {month: "short", day: "numeric"});
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function ApiError(status, message) { this.status = status; this.message = message; }

  function api(path, params) {
    var url = new URL(path, window.location.origin);
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined) url.searchParams.set(k, params[k]);
    });
    return fetch(url.toString(), {headers: {"Authorization": "Bearer " + (token() || "")}, cache: "no-store"})
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (resp.status === 401 || resp.status === 403) {
            signOut("The server refused the admin token (" + (body.error || resp.status) + ").");
            throw new ApiError(resp.status, "signed out");
          }
          if (!resp.ok) throw new ApiError(resp.status, body.error || ("HTTP " + resp.status));
          return body;
        });
      });
  }

  function showError(message) {
    var banner = $("app-error");
    banner.textContent = message || "";
    banner.hidden = !message;
  }

  /* ---------- login ---------- */

  function showLogin(message) {
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("token").focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  }

  function signIn(event) {
    event.preventDefault();
    var value = $("token").value.trim();
    if (!value) { $("login-error").textContent = "Enter the admin token."; return; }
    $("login-error").textContent = "Checking…";
    fetch("/api/leads?limit=1", {headers: {"Authorization": "Bearer " + value}, cache: "no-store"})
      .then(function (resp) {
        if (resp.status === 401 || resp.status === 403) {
          $("login-error").textContent = "Wrong admin token: the server refused it.";
          return;
        }
        if (!resp.ok) { $("login-error").textContent = "The server answered " + resp.status + "."; return; }
        sessionStorage.setItem(TOKEN_KEY, value);
        $("token").value = "";
        $("login-error").textContent = "";
        startApp();
      })
      .catch(function () { $("login-error").textContent = "Could not reach the server."; });
  }

  function startApp() {
    $("login").hidden = true;
    $("app").hidden = false;
    if (!window.location.hash || window.location.hash === "#") window.location.hash = "#/leads";
    else route();
  }

  /* ---------- routing ---------- */

  function route() {
    if (!token()) { showLogin(); return; }
    showError("");
    var parts = window.location.hash.replace(/^#\/?/, "").split("/");
    var view = parts[0] || "leads";
    ["leads", "lead", "funnel", "sequences"].forEach(function (name) {
      $("view-" + name).hidden = name !== view;
    });
    Array.prototype.forEach.call(document.querySelectorAll("nav a"), function (a) {
      a.classList.toggle("active", a.getAttribute("data-view") === (view === "lead" ? "leads" : view));
    });
    var failed = function (err) { if (err && err.message !== "signed out") showError(err.message || String(err)); };
    if (view === "leads") loadLeads(false).catch(failed);
    else if (view === "lead") loadLead(decodeURIComponent(parts[1] || "")).catch(failed);
    else if (view === "funnel") loadFunnel().catch(failed);
    else if (view === "sequences") loadSequences().catch(failed);
    else $("view-leads").hidden = false;
  }

  /* ---------- leads ---------- */

  function loadLeads(more) {
    var params = {q: $("f-q").value.trim(), stage: $("f-stage").value, channel: $("f-channel").value,
                  sort: $("f-sort").value, limit: 50, cursor: more ? leadsCursor : ""};
    var ticket = ++leadsTicket;
    return api("/api/leads", params).then(function (body) {
      if (ticket !== leadsTicket) return;  /* a newer filter was applied meanwhile */
      var tbody = $("leads-table").querySelector("tbody");
      if (!more) clear(tbody);
      body.leads.forEach(function (lead) {
        var link = el("a", {href: "#/lead/" + encodeURIComponent(lead.id), text: lead.name || lead.email || lead.id});
        tbody.appendChild(el("tr", {"data-lead-id": lead.id}, [
          el("td", {"data-label": "Name"}, [link]),
          el("td", {"data-label": "Email", text: lead.email || "—"}),
          el("td", {"data-label": "Company", text: lead.company || "—"}),
          el("td", {"data-label": "Stage"}, [el("span", {className: "stage stage-" + lead.stage, text: lead.stage})]),
          el("td", {"data-label": "Score", className: "num", text: Number(lead.score).toFixed(1)}),
          el("td", {"data-label": "Channels", text: (lead.channels || []).join(", ")})
        ]));
      });
      leadsCursor = body.next_cursor;
      $("leads-more").hidden = !leadsCursor;
      $("leads-empty").hidden = tbody.children.length > 0;
    });
  }

  /* ---------- one lead ---------- */

  function loadLead(id) {
    ["lead-profile", "lead-breakdown", "score-chart", "lead-transcript", "lead-stages", "lead-followups",
     "lead-consent", "lead-alerts", "lead-requests"].forEach(function (x) { clear($(x)); });
    $("lead-title").textContent = "Loading…";
    $("lead-meta").textContent = "";
    var path = "/api/leads/" + encodeURIComponent(id);
    var lead = api(path).then(renderLead);
    var history = api(path + "/score-history").then(renderScoreChart, sectionError("score-chart"));
    var transcript = api(path + "/transcript").then(renderTranscript, sectionError("lead-transcript"));
    var consent = api(path + "/consent").then(renderConsent, sectionError("lead-consent"));
    return Promise.all([lead, history, transcript, consent]);
  }

  function sectionError(target) {
    return function (err) {
      if (err && err.message === "signed out") throw err;
      clear($(target)).appendChild(el("p", {className: "error", text: (err && err.message) || "unavailable"}));
    };
  }

  function renderLead(lead) {
    var p = lead.profile || {};
    $("lead-title").textContent = fmtValue(p.name || p.email || lead.id);
    $("lead-meta").textContent = "Stage " + lead.stage + " · first seen " + fmtTime(lead.created_at) +
      (lead.owner ? " · owner " + lead.owner : "") + " · " +
      (lead.identities || []).map(function (i) { return i.channel; }).join(", ");
    var rows = Object.keys(p).map(function (field) {
      var prov = (lead.provenance || {})[field] || {};
      return el("tr", null, [el("th", {text: field}), el("td", {text: fmtValue(p[field])}),
        el("td", {className: "muted", text: "“" + (prov.raw || "") + "” · " + fmtTime(prov.at) +
          " · conversation " + (prov.conversation_id || "?")})]);
    });
    (lead.refused || []).forEach(function (field) {
      rows.push(el("tr", null, [el("th", {text: field}), el("td", {className: "muted", text: "declined to say"}),
        el("td")]));
    });
    $("lead-profile").appendChild(rows.length ? table(["Field", "Value", "Given as"], rows)
      : el("p", {className: "muted", text: "Nothing known yet."}));
    $("lead-score").textContent = Number(lead.score).toFixed(1) + " points";
    var items = (lead.score_breakdown || []).map(function (i) {
      return el("tr", null, [el("td", {text: i.signal}), el("td", {className: "num", text: Number(i.points).toFixed(2)}),
        el("td", {text: i.reason}), el("td", {className: "muted", text: fmtTime(i.at)})]);
    });
    $("lead-breakdown").appendChild(items.length ? table(["Signal", "Points", "Reason", "When"], items, "breakdown")
      : el("p", {className: "muted", text: "No scoring signals yet."}));
    timeline($("lead-stages"), lead.stage_history, function (h) {
      return [el("strong", {text: h.stage}), " — " + h.reason, el("time", {text: fmtTime(h.at)})];
    });
    var followups = (lead.followups || []).slice().sort(function (a, b) { return a.due_at < b.due_at ? -1 : 1; });
    timeline($("lead-followups"), followups, function (f) {
      return [el("strong", {text: f.sequence + " / " + f.step}), " (" + f.variant + ", " + f.channel + ") ",
        el("span", {className: "status status-" + f.status, text: f.status}),
        el("time", {text: (f.sent_at ? "sent " + fmtTime(f.sent_at) : "due " + fmtTime(f.due_at)) +
          (f.last_error ? " · " + f.last_error : "")})];
    });
    timeline($("lead-alerts"), lead.alerts, function (a) {
      return [el("strong", {text: a.trigger}), " — " + a.status + (a.status_by ? " by " + a.status_by : "") +
        (a.snoozed_until ? ", snoozed until " + fmtTime(a.snoozed_until) : "") +
        (a.feedback ? ": " + a.feedback : ""), el("time", {text: fmtTime(a.created_at)})];
    });
    timeline($("lead-requests"), lead.requests, function (r) {
      var what = r.kind === "meeting_time" ? "proposed a time: " + r.detail : r.detail.replace(/_/g, " ");
      return [el("strong", {text: what}), " (" + r.channel + ")", el("time", {text: fmtTime(r.at)})];
    });
  }

  function table(headers, rows, className) {
    return el("div", {className: "table-wrap"}, [el("table", {className: "data " + (className || "")}, [
      el("thead", null, [el("tr", null, headers.map(function (h) { return el("th", {text: h}); }))]),
      el("tbody", null, rows)])]);
  }

  function timeline(list, items, render) {
    if (!items || !items.length) { list.appendChild(el("li", {className: "muted", text: "None."})); return; }
    items.forEach(function (item) { list.appendChild(el("li", null, render(item))); });
  }

  function renderTranscript(body) {
    var box = $("lead-transcript");
    if (!body.messages.length) box.appendChild(el("p", {className: "muted", text: "No messages in Rasa's tracker."}));
    body.messages.forEach(function (m) {
      var when = m.timestamp ? new Date(m.timestamp * 1000).toLocaleString() : "";
      box.appendChild(el("div", {className: "msg msg-" + m.from}, [
        el("div", {className: "bubble", text: m.text}),
        el("div", {className: "muted small", text: (m.from === "user" ? "visitor" : "assistant") + " · " +
          m.channel + (m.intent ? " · " + m.intent : "") + (when ? " · " + when : "")})]));
    });
    if (body.unavailable && body.unavailable.length) {
      box.appendChild(el("p", {className: "error", text: body.unavailable.length + " conversation(s) unavailable."}));
    }
  }

  function renderConsent(body) {
    var c = body.current;
    var box = $("lead-consent");
    box.appendChild(el("p", null, [el("strong", {text: c.status}),
      c.at ? " since " + fmtTime(c.at) + " via " + (c.source || "?") : ""]));
    var rows = body.ledger.map(function (e) {
      return el("tr", null, [el("td", {text: e.status}), el("td", {text: e.channel}), el("td", {text: e.text}),
        el("td", {className: "muted", text: fmtTime(e.at)})]);
    });
    box.appendChild(rows.length ? table(["Status", "Channel", "Said", "When"], rows)
      : el("p", {className: "muted", text: "No consent changes recorded."}));
  }

  function renderScoreChart(body) {
    var box = $("score-chart");
    var pts = body.points || [];
    if (pts.length < 2) { box.appendChild(el("p", {className: "muted", text: "Not enough history for a chart."})); return; }
    var W = 600, H = 200, L = 44, R = 12, T = 12, B = 28;
    var times = pts.map(function (p) { return new Date(p.at).getTime(); });
    var scores = pts.map(function (p) { return p.score; });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    var lo = Math.min(0, Math.min.apply(null, scores)), hi = Math.max(1, Math.max.apply(null, scores));
    var x = function (t) { return L + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - L - R); };
    var y = function (s) { return T + (1 - (s - lo) / (hi - lo)) * (H - T - B); };
    var chart = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img", className: "line-chart"});
    chart.appendChild(svg("title", null, "Score over time"));
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      chart.appendChild(svg("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), className: "grid"}));
      chart.appendChild(svg("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end", className: "axis"}, v.toFixed(0)));
    });
    (body.stages || []).forEach(function (s, i) {
      var t = new Date(s.at).getTime();
      if (t < t0 || t > t1) return;
      chart.appendChild(svg("line", {x1: x(t), x2: x(t), y1: T, y2: H - B, className: "marker"}));
      chart.appendChild(svg("text", {x: x(t) + 3, y: T + 10 + 12 * (i % 4), className: "marker-label"}, s.stage));
    });
    chart.appendChild(svg("polyline", {className: "line", points: pts.map(function (p, i) {
      return x(times[i]).toFixed(1) + "," + y(p.score).toFixed(1);
    }).join(" ")}));
    pts.forEach(function (p, i) {
      var dot = svg("circle", {cx: x(times[i]), cy: y(p.score), r: 3, className: "dot"});
      dot.appendChild(svg("title", null, p.score + " at " + fmtTime(p.at) +
        (p.signals.length ? " (" + p.signals.join(", ") + ")" : "")));
      chart.appendChild(dot);
    });
    chart.appendChild(svg("text", {x: L, y: H - 8, className: "axis"}, fmtTime(pts[0].at)));
    chart.appendChild(svg("text", {x: W - R, y: H - 8, "text-anchor": "end", className: "axis"}, "now"));
    box.appendChild(chart);
  }

  /* ---------- funnel ---------- */

  function loadFunnel() {
    return api("/api/funnel", {weeks: $("fu-weeks").value, channel: $("fu-channel").value}).then(function (body) {
      renderFunnelChart(clear($("funnel-chart")), body.totals);
      var stageHeaders = ["Week of"].concat(STAGES, ["disqualified"]);
      clear($("funnel-weeks")).appendChild(countsTable(stageHeaders, body.by_week.map(function (w) {
        return [fmtDay(w.week), w.counts];
      }), "funnel-weeks-table"));
      var channelHeaders = ["Channel"].concat(STAGES, ["disqualified"]);
      clear($("funnel-channels")).appendChild(countsTable(channelHeaders, body.by_channel.map(function (c) {
        return [c.channel, c.counts];
      }), "funnel-channels-table"));
    });
  }

  function countsTable(headers, rows, className) {
    return table(headers, rows.map(function (r) {
      return el("tr", {"data-key": r[0]}, [el("th", {text: r[0]})].concat(STAGES.concat(["disqualified"]).map(function (s) {
        return el("td", {className: "num", "data-stage": s, text: r[1][s]});
      })));
    }), className);
  }

  function renderFunnelChart(box, totals) {
    var W = 600, row = 40, L = 90, R = 120, H = row * STAGES.length + 10;
    var max = Math.max(1, totals["new"]);
    var chart = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img", className: "funnel-chart"});
    chart.appendChild(svg("title", null, "Leads reaching each stage"));
    STAGES.forEach(function (stage, i) {
      var n = totals[stage] || 0;
      var width = Math.max(2, (n / max) * (W - L - R));
      var g = svg("g", {"data-stage": stage, className: "funnel-row"});
      g.appendChild(svg("text", {x: L - 8, y: i * row + 26, "text-anchor": "end", className: "funnel-label"}, stage));
      g.appendChild(svg("rect", {x: L, y: i * row + 8, width: width, height: row - 12, rx: 3,
        className: "bar bar-" + stage}));
      g.appendChild(svg("text", {x: L + width + 8, y: i * row + 26, className: "funnel-count"}, n));
      if (i > 0) {
        var prev = totals[STAGES[i - 1]] || 0;
        g.appendChild(svg("text", {x: W - 4, y: i * row + 26, "text-anchor": "end", className: "funnel-rate"},
          prev ? Math.round((100 * n) / prev) + "% of " + STAGES[i - 1] : "—"));
      }
      chart.appendChild(g);
    });
    box.appendChild(chart);
    box.appendChild(el("p", {className: "muted", text: (totals.disqualified || 0) + " disqualified in this period."}));
  }

  /* ---------- sequences ---------- */

  function loadSequences() {
    return api("/api/sequences/stats").then(function (body) {
      var box = clear($("sequence-stats"));
      if (!body.sequences.length) box.appendChild(el("p", {className: "muted", text: "No sequences configured."}));
      body.sequences.forEach(function (s) {
        var rate = function (n, d) { return d ? Math.round((100 * n) / d) + "%" : "—"; };
        var variants = s.variants.map(function (v) {
          return el("tr", {"data-variant": v.variant}, [el("th", {text: v.variant})].concat(
            [v.enrolled, v.sent, v.replied, v.converted, v.opted_out].map(function (n) {
              return el("td", {className: "num", text: n});
            }), [el("td", {className: "num", text: rate(v.replied, v.enrolled)})]));
        });
        var steps = s.steps.map(function (st) {
          return el("tr", null, [el("th", {text: st.step}), el("td", {text: st.variant})].concat(
            [st.sent, st.replied, st.converted, st.opted_out].map(function (n) {
              return el("td", {className: "num", text: n});
            })));
        });
        box.appendChild(el("section", {className: "card", "data-sequence": s.sequence}, [
          el("h2", {text: s.sequence}),
          table(["Variant", "Enrolled", "Sent", "Replied", "Converted", "Opted out", "Reply rate"], variants),
          table(["Step", "Variant", "Sent", "Replied", "Converted", "Opted out"], steps)]));
      });
    });
  }

  /* ---------- wiring ---------- */

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", function () { signOut("Signed out."); });
    $("lead-filters").addEventListener("submit", function (e) {
      e.preventDefault();
      loadLeads(false).catch(function (err) { if (err.message !== "signed out") showError(err.message); });
    });
    ["f-stage", "f-channel", "f-sort"].forEach(function (id) {
      $(id).addEventListener("change", function () { $("lead-filters").requestSubmit(); });
    });
    $("leads-more").addEventListener("click", function () {
      loadLeads(true).catch(function (err) { if (err.message !== "signed out") showError(err.message); });
    });
    $("funnel-filters").addEventListener("submit", function (e) {
      e.preventDefault();
      loadFunnel().catch(function (err) { if (err.message !== "signed out") showError(err.message); });
    });
    window.addEventListener("hashchange", route);
    if (token()) startApp(); else showLogin();
  });
})();
