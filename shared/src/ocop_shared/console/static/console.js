/* A little vanilla JS for the console; every page works without it (forms post, pages reload). */
(function () {
  "use strict";
  function vn(n, d) { return n.toLocaleString("vi-VN", {minimumFractionDigits: 0, maximumFractionDigits: d || 0}); }
  function num(v) { var n = parseFloat(String(v || "").replace(",", ".")); return isNaN(n) ? 0 : n; }

  /* Evaluation form: total and stars computed live from the part scores (rules come from the server). */
  document.querySelectorAll("form[data-stars]").forEach(function (form) {
    var thresholds = JSON.parse(form.dataset.thresholds), out = form.querySelector("output.live");
    var version = form.querySelector("[name=criteria_version]");
    function parts() { return JSON.parse(version.selectedOptions[0].dataset.maxima); }
    function update() {
      var maxima = parts(), total = 0, bad = [];
      Object.keys(maxima).forEach(function (p) {
        var input = form.querySelector("[name=score_" + p + "]"), detail = form.querySelector("[name=detail_" + p + "]");
        if (detail && detail.value.trim()) {  /* per-criterion lines "tiêu chí: điểm" add up to the part score */
          var sum = 0;
          detail.value.split("\n").forEach(function (line) {
            var m = line.match(/[:;]\s*([0-9]+(?:[.,][0-9]+)?)\s*$/); if (m) sum += num(m[1]);
          });
          input.value = Math.round(sum * 1000) / 1000;
        }
        input.max = maxima[p];
        var label = form.querySelector("label[for=score_" + p + "] .max"); if (label) label.textContent = maxima[p];
        var v = num(input.value); if (v < 0 || v > maxima[p]) bad.push(p);
        total += v;
      });
      var stars = 1;
      for (var i = 0; i < thresholds.length; i++) { if (total >= thresholds[i][0] - 1e-6) { stars = thresholds[i][1]; break; } }
      out.textContent = bad.length ? "Điểm phần " + bad.join(", ") + " vượt quá thang điểm"
        : "Tổng " + vn(total, 2) + " điểm → " + stars + " sao " + "★".repeat(stars) +
          (stars >= 3 ? " (đủ điều kiện công nhận OCOP)" : " (chưa đủ 3 sao để công nhận OCOP)");
      out.dataset.stars = bad.length ? "" : String(stars);
    }
    form.addEventListener("input", update); form.addEventListener("change", update); update();
  });

  /* Stamp run page: follow generation and rendering, reload when the run is ready. */
  document.querySelectorAll("[data-progress-url]").forEach(function (box) {
    var url = box.dataset.progressUrl;
    function tick() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (run) {
          box.querySelector(".generated").value = run.generated; box.querySelector(".rendered").value = run.rendered;
          box.querySelector(".generated-text").textContent = vn(run.generated) + " / " + vn(run.count);
          box.querySelector(".rendered-text").textContent = vn(run.rendered) + " / " + vn(run.count);
          box.querySelector(".status").textContent = run.status_vi;
          if (run.status === "ready" || run.status === "failed") { location.reload(); } else { setTimeout(tick, 800); }
        }).catch(function () { setTimeout(tick, 2000); });
    }
    setTimeout(tick, 500);
  });

  /* Growing areas on a map (Leaflet served by traceability, no CDN; map tiles from OpenStreetMap). */
  document.querySelectorAll("[data-geojson]").forEach(function (el) {
    var base = el.dataset.leaflet, css = document.createElement("link"), js = document.createElement("script");
    css.rel = "stylesheet"; css.href = base + "/leaflet.css"; document.head.appendChild(css);
    js.src = base + "/leaflet.js";
    js.onload = function () {
      var data = JSON.parse(document.getElementById(el.dataset.geojson).textContent);
      var map = L.map(el), layer = L.geoJSON(data, {onEachFeature: function (f, l) {
        var div = document.createElement("div"); div.textContent = f.properties.code + " — " + f.properties.name;
        l.bindPopup(div);
      }}).addTo(map);
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds(), {padding: [20, 20]}); } else { map.setView([16.0, 106.0], 5); }
      el.dataset.ready = "1";
    };
    document.body.appendChild(js);
  });

  /* "Back" links go back in history (their href is the start page, for a browser without JavaScript). */
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (e) { if (history.length > 1) { e.preventDefault(); history.back(); } });
  });

  /* Password fields: a button shows what was typed (OWASP ASVS 2.1.12); paste and password managers work. */
  document.querySelectorAll("input[type=password]").forEach(function (input) {
    var btn = document.createElement("button");
    btn.type = "button"; btn.className = "secondary reveal"; btn.textContent = "Hiện mật khẩu";
    btn.setAttribute("aria-pressed", "false"); btn.setAttribute("aria-controls", input.id);
    btn.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      btn.textContent = shown ? "Ẩn mật khẩu" : "Hiện mật khẩu";
      btn.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    input.insertAdjacentElement("afterend", btn);
  });

  /* Ask before irreversible actions (void, revoke). */
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
})();
