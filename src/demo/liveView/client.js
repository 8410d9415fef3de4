// The live view's browser side: plain JavaScript, no dependencies, fed by Server-Sent Events.
// Served as is by routes.ts; the page gives it the event stream's path and the diagram template.
(function () {
  'use strict';
  var root = document.getElementById('live-view');
  var eventsPath = root.getAttribute('data-events');
  var maxCards = Number(root.getAttribute('data-max-cards')) || 200;
  var template = document.getElementById('machine-template');
  var list = document.getElementById('tasks');
  var empty = document.getElementById('empty');
  var countsEl = document.getElementById('counts');
  var connection = document.getElementById('connection');
  var overview = document.querySelector('#overview svg');
  var stateKeys = Array.prototype.map.call(overview.querySelectorAll('g.state:not(.compound)'), function (g) {
    return g.getAttribute('data-key');
  });
  var cards = new Map(); // taskId -> { view, el }

  function clock(ms) {
    var d = new Date(ms);
    var pad = function (n, w) {
      return String(n).padStart(w, '0');
    };
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  }

  function duration(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function createCard(view) {
    var card = el('article', 'task');
    card.setAttribute('data-task-id', view.taskId);
    var header = el('header');
    header.appendChild(el('span', 'badge'));
    var id = el('code', 'id', view.taskId.slice(0, 10) + (view.taskId.length > 10 ? '…' : ''));
    id.title = view.taskId;
    header.appendChild(id);
    header.appendChild(el('span', 'timing'));
    card.appendChild(header);
    card.appendChild(el('p', 'message'));
    var diagram = el('div', 'diagram');
    diagram.appendChild(template.content.firstElementChild.cloneNode(true));
    card.appendChild(diagram);
    card.appendChild(el('ol', 'history'));
    return card;
  }

  function highlight(svg, view) {
    var visited = new Set(
      view.history.map(function (step) {
        return step.state;
      }),
    );
    svg.querySelectorAll('g.state').forEach(function (g) {
      var id = g.getAttribute('data-state');
      g.classList.toggle('current', id === view.stateId);
      g.classList.toggle('within', view.stateId.indexOf(id + '.') === 0);
      g.classList.toggle('visited', visited.has(g.getAttribute('data-key')) && id !== view.stateId);
    });
  }

  function fill(card, view) {
    card.setAttribute('data-state', view.state);
    card.classList.toggle('finished', !view.live);
    var badge = card.querySelector('.badge');
    badge.textContent = view.state || 'starting';
    badge.setAttribute('data-key', view.state);
    var end = view.endedAt || view.updatedAt;
    card.querySelector('.timing').textContent =
      'started ' + clock(view.startedAt) + (view.live ? ' · running ' : ' · took ') + duration(end - view.startedAt);
    var message = card.querySelector('.message');
    message.textContent = view.message || '';
    message.hidden = !view.message;
    highlight(card.querySelector('svg'), view);
    var history = card.querySelector('.history');
    history.textContent = '';
    view.history.forEach(function (step, index) {
      var item = el('li');
      item.setAttribute('data-state', step.state);
      item.appendChild(el('time', '', clock(step.at)));
      item.appendChild(el('b', '', step.state));
      item.appendChild(el('span', 'event', step.event));
      var previous = view.history[index - 1];
      item.appendChild(el('span', 'delta', previous ? '+' + duration(step.at - previous.at) : ''));
      history.appendChild(item);
    });
  }

  function upsert(view) {
    var entry = cards.get(view.taskId);
    if (!entry) {
      entry = { view: view, el: createCard(view) };
      cards.set(view.taskId, entry);
    }
    entry.view = view;
    fill(entry.el, view);
  }

  function remove(taskId) {
    var entry = cards.get(taskId);
    if (!entry) return;
    entry.el.remove();
    cards.delete(taskId);
  }

  // Live tasks first (newest first), then finished ones (latest ended first); at most maxCards.
  function arrange() {
    var entries = Array.from(cards.values()).sort(function (a, b) {
      if (a.view.live !== b.view.live) return a.view.live ? -1 : 1;
      return a.view.live ? b.view.startedAt - a.view.startedAt : (b.view.endedAt || 0) - (a.view.endedAt || 0);
    });
    entries.slice(maxCards).forEach(function (entry) {
      remove(entry.view.taskId);
    });
    entries.slice(0, maxCards).forEach(function (entry, index) {
      if (list.children[index] !== entry.el) list.insertBefore(entry.el, list.children[index] || null);
    });
    empty.hidden = cards.size > 0;
  }

  function showCounts(counts) {
    countsEl.textContent = '';
    stateKeys.forEach(function (key) {
      var chip = el('span', 'chip');
      chip.setAttribute('data-key', key);
      chip.appendChild(el('span', 'name', key));
      chip.appendChild(el('b', 'n', String(counts[key] || 0)));
      countsEl.appendChild(chip);
    });
    overview.querySelectorAll('g.state').forEach(function (g) {
      var n = counts[g.getAttribute('data-key')];
      var label = g.querySelector('text.count');
      if (label) label.textContent = n ? String(n) : '';
      g.classList.toggle('occupied', Boolean(n));
    });
  }

  function setConnection(text, ok) {
    connection.textContent = text;
    connection.classList.toggle('ok', ok);
  }

  // Opened as /tasks?token=…, the page passes the operator token on to its stream (EventSource sends no headers).
  var token = new URLSearchParams(location.search).get('token');
  var source = new EventSource(token ? eventsPath + '?token=' + encodeURIComponent(token) : eventsPath);
  source.addEventListener('open', function () {
    setConnection('live', true);
  });
  source.addEventListener('error', function () {
    setConnection('reconnecting…', false);
  });
  source.addEventListener('snapshot', function (message) {
    var data = JSON.parse(message.data);
    cards.forEach(function (entry) {
      entry.el.remove();
    });
    cards.clear();
    data.tasks.forEach(upsert);
    arrange();
    showCounts(data.counts);
  });
  source.addEventListener('update', function (message) {
    var data = JSON.parse(message.data);
    data.tasks.forEach(upsert);
    data.removed.forEach(remove);
    arrange();
    showCounts(data.counts);
  });
  // Keep "running 3.2 s" moving between events.
  setInterval(function () {
    cards.forEach(function (entry) {
      if (!entry.view.live) return;
      entry.el.querySelector('.timing').textContent =
        'started ' + clock(entry.view.startedAt) + ' · running ' + duration(Date.now() - entry.view.startedAt);
    });
  }, 500);
})();
