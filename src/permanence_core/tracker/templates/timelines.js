/* Draw each child's timeline when the reader comes near it (and every one shown before printing), from the compact
   data in #timeline-data: permanence_core/tracker/timeline_data.py writes it and timeline_svg.py draws the
   same picture in Python. */
(function () {
  "use strict";
  var source = document.getElementById("timeline-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var key = data.key, colours = key.colours;
  var NS = "http://www.w3.org/2000/svg";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var DAY = 86400000, PLANNED = 1, OVERDUE = 2;

  function number(value) {
    var text = value.toFixed(1);
    return text.slice(-2) === ".0" ? text.slice(0, -2) : text;
  }
  function iso(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function laneTop(index) { return key.top + index * key.lane; }
  function laneMiddle(index) { return laneTop(index) + key.lane / 2; }

  /* An SVG element with these attributes (numbers written as the Python drawing writes them), text and tooltip. */
  function element(name, attributes, text, title) {
    var node = document.createElementNS(NS, name);
    if (title) { node.appendChild(element("title", {}, title)); }
    Object.keys(attributes).forEach(function (attribute) {
      var value = attributes[attribute];
      node.setAttribute(attribute, typeof value === "number" ? number(value) : value);
    });
    if (text) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function axis(start, end, x, parts) {
    var span = end - start, every = span <= 500 ? 1 : span <= 1400 ? 3 : 12, bottom = laneTop(key.lanes.length);
    parts.push(element("line", { x1: key.plotLeft, y1: bottom, x2: key.plotRight, y2: bottom, stroke: colours.axis }));
    var first = new Date(start * DAY), year = first.getUTCFullYear(), month = first.getUTCMonth();
    for (;;) {
      var day = Date.UTC(year, month, 1) / DAY;
      if (day > end) { break; }
      if (day >= start && month % every === 0) {
        var at = x(day);
        parts.push(element("line", { x1: at, y1: key.top, x2: at, y2: bottom + 4, stroke: colours.grid }));
        var words = every === 12 || month === 0 ? String(year) : MONTHS[month];
        if (every === 1 && month === 0) { words = "Jan " + year; }
        parts.push(element("text", { x: at, y: bottom + 16, "text-anchor": "middle", "class": "tick" }, words));
      }
      month += 1;
      if (month === 12) { month = 0; year += 1; }
    }
  }

  function stretch(from, to, colour, cssClass, title, x) {
    return element("rect", { x: x(from), y: laneMiddle(2) - 6, width: Math.max(x(to) - x(from), 2), height: "12",
      fill: colour, "class": cssClass }, "", title);
  }

  function markLine(at, dashes, title, cssClass) {
    return element("line", { x1: at, y1: laneTop(2), x2: at, y2: laneTop(3), stroke: colours.ink,
      "stroke-dasharray": dashes, "stroke-width": "1.5", "class": cssClass }, "", title);
  }

  function proceedings(issue, concluded, due, extension, x, parts) {
    var end = concluded !== null ? concluded : data.today;
    var week26 = issue + key.proceedingsLastDay;
    var status = concluded !== null ? "concluded " + iso(concluded) : "live";
    var week = Math.floor((end - issue) / 7) + 1;
    parts.push(element("rect", { x: x(issue), y: laneMiddle(2) - 6, width: Math.max(x(end) - x(issue), 2),
      height: "12", fill: colours.proceedings, "class": "proceedings" }, "",
      "Care proceedings issued " + iso(issue) + ", " + status + ", week " + week));
    var extendedUntil = Math.min(end, due);
    if (extension && extendedUntil > week26) {
      parts.push(stretch(week26, extendedUntil, colours.amber, "proceedings-extended",
        "Within the extension from " + iso(week26) + " to " + iso(extendedUntil), x));
    }
    var overFrom = Math.max(week26, due);
    if (end > overFrom) {
      var words = "Beyond " + (extension ? "the extended due date" : "26 weeks") + " from " + iso(overFrom);
      parts.push(stretch(overFrom, end, colours.red, "proceedings-over", words + " to " + iso(end), x));
    }
    parts.push(markLine(x(week26), "3 2", "26 weeks end " + iso(week26), "week-26"));
    parts.push(element("text", { x: x(week26) + 3, y: laneTop(2) + 8, "class": "mark" }, "26 wk"));
    if (extension) {
      parts.push(markLine(x(due), "1 2", "Extended by " + extension + " weeks: due " + iso(due), "due"));
    }
  }

  function marker(kind, cx, cy, flags) {
    var colour = flags & OVERDUE ? colours.red : kind.colour;
    var style = { fill: flags & PLANNED ? "#ffffff" : colour, stroke: colour, "stroke-width": "1.5" };
    function styled(attributes) { return Object.assign(attributes, style); }
    switch (kind.shape) {
      case "bar": return element("rect", { x: cx - 1.5, y: cy - 10, width: "3", height: "20", fill: colour });
      case "circle": return element("circle", styled({ cx: cx, cy: cy, r: "5" }));
      case "dot": return element("circle", styled({ cx: cx, cy: cy, r: "3.5" }));
      case "square": return element("rect", styled({ x: cx - 4.5, y: cy - 4.5, width: "9", height: "9" }));
      default:
        return element("polygon", styled({ points: key.points[kind.shape].map(function (point) {
          return number(cx + point[0]) + "," + number(cy + point[1]);
        }).join(" ") }));
    }
  }

  function event(kindIndex, day, flags, x) {
    var kind = key.kinds[kindIndex];
    var words = flags & PLANNED ? kind.plannedWords : kind.words;
    if (flags & OVERDUE) { words += " (overdue)"; }
    var shape = marker(kind, x(day), laneMiddle(kind.lane), flags);
    shape.setAttribute("class", "event " + kind.name);
    shape.insertBefore(element("title", {}, words + " " + iso(day)), shape.firstChild);
    return shape;
  }

  /* Fill a placeholder <svg class="timeline" data-child="ID"> with that child's timeline, once. */
  function draw(svg) {
    var timeline = data.children[svg.getAttribute("data-child")];
    if (!timeline || svg.hasAttribute("data-drawn")) { return; }
    svg.setAttribute("data-drawn", "");
    var start = timeline[0], end = timeline[1], events = timeline[2], bars = timeline[3];
    var span = Math.max(end - start, 1);
    function x(day) { return key.plotLeft + (day - start) / span * (key.plotRight - key.plotLeft); }
    var parts = [];
    key.lanes.forEach(function (name, index) {
      var y = laneTop(index);
      parts.push(element("rect", { x: key.plotLeft, y: y, width: key.plotRight - key.plotLeft, height: key.lane,
        fill: colours.laneFills[index % 2] }));
      parts.push(element("text", { x: key.labelWidth, y: y + key.lane / 2 + 4, "text-anchor": "end",
        "class": "lane" }, name));
    });
    axis(start, end, x, parts);
    for (var b = 0; b < bars.length; b += 4) { proceedings(bars[b], bars[b + 1], bars[b + 2], bars[b + 3], x, parts); }
    for (var e = 0; e < events.length; e += 3) { parts.push(event(events[e], events[e + 1], events[e + 2], x)); }
    var today = x(data.today);
    parts.push(element("line", { x1: today, y1: key.top - 4, x2: today, y2: laneTop(key.lanes.length),
      stroke: colours.red, "stroke-width": "2", "class": "today" }, "", "Today " + iso(data.today)));
    parts.push(element("text", { x: today, y: key.top - 6, fill: colours.red, "text-anchor": "middle",
      "class": "mark" }, "today"));
    var fragment = document.createDocumentFragment();
    parts.forEach(function (part) { fragment.appendChild(part); });
    svg.appendChild(fragment);
  }

  var placeholders = Array.prototype.slice.call(document.querySelectorAll("svg.timeline[data-child]"));
  function drawAll() { placeholders.forEach(draw); }
  window.permanenceTimelines = { draw: draw, drawAll: drawAll };
  // Printing: every timeline on the page, drawn now (those the table's filter or page leaves out have no box).
  window.addEventListener("beforeprint", function () {
    placeholders.forEach(function (svg) { if (svg.getClientRects().length) { draw(svg); } });
  });
  if (!("IntersectionObserver" in window)) { drawAll(); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
    });
  }, { rootMargin: "1000px 0px" });
  placeholders.forEach(function (svg) { observer.observe(svg); });
}());
