// Planning page: an overview with one row per school (figures, flags, a
// small chart), and one school at a time in detail with its chart and
// table, and the downloads.
import { api, download, zahl, el, status, page, ApiError } from './common.js';
import { laden, downloads } from './prognose.js';
import { linien, verlauf } from './chart.js';

const $ = (id) => document.getElementById(id);

const SCHULART = { grundschule: 'Grundschule', sekundarschule: 'Sekundarschule', gymnasium: 'Gymnasium' };

let geladen = { schulen: [] };

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

function settings() {
  return { jahre: $('jahre').value, k: $('k').value };
}

// ohneGeschichte: a school without any pupil numbers has nothing to
// forecast; the page says so once instead of ten rows of 0.
function ohneGeschichte(s) {
  return s.jahre.length > 0 && s.jahre.every((j) => !j.anzahl && j.hinweise.includes('Quote fehlt'));
}

// hinweiseKurz lists each flag once with the number of years it holds.
function hinweiseKurz(s) {
  const n = new Map();
  for (const j of s.jahre) for (const h of j.hinweise) n.set(h, (n.get(h) || 0) + 1);
  return [...n].map(([h, k]) => (k === s.jahre.length ? h : `${h} (${k} J.)`)).join(', ');
}

function detail(s, i) {
  const id = 'schule-' + i;
  const kopf = el('h3', { id: id + '-h' }, `${s.name} `, el('span', { class: 'hinweis' }, `${SCHULART[s.schulart] || s.schulart}, ${s.schulnummer}`));
  if (ohneGeschichte(s)) {
    return el('section', { class: 'schule', 'aria-labelledby': id + '-h' }, kopf,
      el('p', {}, 'Für diese Schule liegen keine Schülerzahlen früherer Jahre vor; eine Prognose ist daher nicht möglich. ' +
        'Bitte die Schülerzahlen als Liste „schuelerzahlen“ importieren.'));
  }
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
  return el('section', { class: 'schule', 'aria-labelledby': id + '-h' }, kopf,
    el('figure', {},
      linien({ id, title: `Prognose ${s.name}`, desc, punkte: s.jahre.filter((j) => j.anzahl != null).map((j) => ({ x: j.schuljahr, y: j.anzahl })), referenz: s.kapazitaet, referenzLabel: 'Kapazität' }),
      el('figcaption', {}, desc)),
    el('div', { class: 'breit' }, el('table', {},
      el('caption', { class: 'unsichtbar' }, `Prognose ${s.name} je Schuljahr`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Schuljahr'), el('th', { scope: 'col', class: 'z' }, 'Schüler (Prognose)'),
        el('th', { scope: 'col', class: 'z' }, 'Eingangsklasse'), el('th', { scope: 'col' }, 'Hinweise'))),
      el('tbody', {}, rows))));
}

function zeigeDetail(i) {
  const s = geladen.schulen[i];
  if (!s) return;
  $('schule-wahl').value = String(i);
  $('detail').hidden = false;
  $('schulen').replaceChildren(detail(s, i));
}

function zeile(s, i) {
  const first = s.jahre[0] || {}, last = s.jahre[s.jahre.length - 1] || {};
  const ohne = ohneGeschichte(s);
  const hinweise = ohne ? 'keine Schülerzahlen vorhanden' : hinweiseKurz(s);
  const btn = el('button', { type: 'button', class: 'zweit', 'aria-label': `Einzelheiten ${s.name}` }, 'Einzelheiten');
  btn.addEventListener('click', () => { zeigeDetail(i); $('h-detail').scrollIntoView(); $('schule-wahl').focus(); });
  return el('tr', { class: hinweise && !ohne ? 'warnung' : null },
    el('th', { scope: 'row' }, s.name, el('br'), el('span', { class: 'hinweis' }, `${SCHULART[s.schulart] || s.schulart}, ${s.schulnummer}`)),
    el('td', { class: 'z' }, ohne ? '–' : zahl(first.anzahl)),
    el('td', { class: 'z' }, ohne ? '–' : zahl(last.anzahl)),
    el('td', { class: 'z' }, s.kapazitaet == null ? 'unbekannt' : zahl(s.kapazitaet)),
    el('td', {}, ohne ? '' : verlauf({ title: `Verlauf ${s.name}`, werte: s.jahre.map((j) => j.anzahl), referenz: s.kapazitaet })),
    el('td', {}, hinweise),
    el('td', {}, btn));
}

async function show() {
  status('Die Prognose wird berechnet …');
  const p = settings();
  const r = await laden(api, p);
  geladen = r;
  $('prognose').hidden = false;
  $('zeitraum').textContent = `Prognose ${r.ab} bis ${r.bis} für ${r.schulen.length} Schulen. Nur Summen; kleine Zahlen sind unterdrückt.`;
  $('sp-ab').textContent = r.ab;
  $('sp-bis').textContent = r.bis;
  $('uebersicht').tBodies[0].replaceChildren(...r.schulen.map(zeile));
  $('schule-wahl').replaceChildren(...r.schulen.map((s, i) => el('option', { value: String(i) }, `${s.name} (${s.schulnummer})`)));
  zeigeDetail(0);
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
  $('schule-wahl').addEventListener('change', (ev) => zeigeDetail(Number(ev.target.value)));
  await show();
});
