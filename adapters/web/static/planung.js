// Planning page: forecast table and a chart per school, and the download.
import { api, download, zahl, el, status, page, ApiError } from './common.js';
import { laden, downloads } from './prognose.js';
import { linien } from './chart.js';

const $ = (id) => document.getElementById(id);

const SCHULART = { grundschule: 'Grundschule', sekundarschule: 'Sekundarschule', gymnasium: 'Gymnasium' };

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

function settings() {
  return { jahre: $('jahre').value, k: $('k').value };
}

function schule(s, i) {
  const id = 'schule-' + i;
  const rows = s.jahre.map((j) => el('tr', { class: j.hinweise.length ? 'warnung' : null },
    el('th', { scope: 'row' }, j.schuljahr),
    el('td', { class: 'z' }, zahl(j.anzahl)),
    el('td', { class: 'z' }, zahl(j.eingangsklasse)),
    el('td', {}, j.hinweise.join(', '))));
  const first = s.jahre[0], last = s.jahre[s.jahre.length - 1];
  const desc = first
    ? `Prognose von ${zahl(first.anzahl)} Schülerinnen und Schülern (${first.schuljahr}) bis ${zahl(last.anzahl)} (${last.schuljahr})` +
      (s.kapazitaet ? `; Kapazität ${zahl(s.kapazitaet)}.` : '; Kapazität unbekannt.')
    : 'Keine Prognosejahre.';
  return el('section', { class: 'karte schule', 'aria-labelledby': id + '-h' },
    el('h3', { id: id + '-h' }, `${s.name} `, el('span', { class: 'hinweis' }, `${SCHULART[s.schulart] || s.schulart}, ${s.schulnummer}`)),
    el('figure', {},
      linien({ id, title: `Prognose ${s.name}`, desc, punkte: s.jahre.filter((j) => j.anzahl != null).map((j) => ({ x: j.schuljahr, y: j.anzahl })), referenz: s.kapazitaet, referenzLabel: 'Kapazität' }),
      el('figcaption', {}, desc)),
    el('table', {},
      el('caption', { class: 'unsichtbar' }, `Prognose ${s.name} je Schuljahr`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Schuljahr'), el('th', { scope: 'col', class: 'z' }, 'Schüler (Prognose)'),
        el('th', { scope: 'col', class: 'z' }, 'Eingangsklasse'), el('th', { scope: 'col' }, 'Hinweise'))),
      el('tbody', {}, rows)));
}

async function show() {
  status('Die Prognose wird berechnet …');
  const p = settings();
  const r = await laden(api, p);
  $('prognose').hidden = false;
  $('zeitraum').textContent = `Prognose ${r.ab} bis ${r.bis} für ${r.schulen.length} Schulen. Nur Summen; kleine Zahlen sind unterdrückt.`;
  $('schulen').replaceChildren(...r.schulen.map(schule));
  $('downloads').replaceChildren(...downloads(p).map((d) => {
    const b = el('button', { type: 'button', class: 'zweit' }, d.label);
    b.addEventListener('click', () => download(d.path, d.name).then((n) => status(`„${n}“ wurde heruntergeladen.`, 'ok'), showError));
    return b;
  }));
  status(`Prognose ${r.ab} bis ${r.bis} berechnet.`, 'ok');
}

page('planung.html', async () => {
  $('wahl').addEventListener('submit', (ev) => {
    ev.preventDefault();
    show().catch(showError);
  });
  await show();
});
