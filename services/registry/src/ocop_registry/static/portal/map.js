/* The page works without JavaScript (outline overview and table); with it, Leaflet (served locally) on demand. */
(function () {
  var btn = document.getElementById("show-map"); btn.hidden = false;
  btn.addEventListener("click", function () {
    var css = document.createElement("link"), js = document.createElement("script");
    btn.disabled = true; btn.textContent = btn.dataset.loading;
    css.rel = "stylesheet"; css.href = "/static/leaflet/leaflet.css"; document.head.appendChild(css);
    js.src = "/static/leaflet/leaflet.js";
    js.onload = function () {
      var el = document.getElementById("map"); el.innerHTML = ""; el.style.height = "460px";
      var data = JSON.parse(document.getElementById("areas-data").textContent), map = L.map(el);
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
      var layer = L.geoJSON(data, {onEachFeature: function (f, l) {
        var p = f.properties, a = document.createElement("a"), div = document.createElement("div");
        a.href = p.url; a.textContent = p.producer; div.textContent = p.code + " — " + p.name + " (" + p.crop + ") ";
        div.appendChild(document.createElement("br")); div.appendChild(a); l.bindPopup(div);
        L.marker(l.getBounds().getCenter(), {title: p.name}).bindPopup(div).addTo(map);
      }}).addTo(map);
      map.fitBounds(layer.getBounds(), {padding: [20, 20]}); btn.remove();
    };
    document.body.appendChild(js);
  });
  if (location.hash === "#ban-do") btn.click();
})();
