// Einschulung page: per school the expected and registered children
// against capacity, with the list downloads and the children without a
// responsible Grundschule (school office only).
import { api, download, datum, zahl, el, status, page, hasRole, ApiError, schuljahrPfad } from './common.js';

const $ = (id) => document.getElementById(id);

// naechstesSchuljahr is the school year whose Einschulung is being
// prepared: the one starting next August.
function naechstesSchuljahr(now = new Date()) {
  const y = now.getMonth() >= 7 ? now.getFullYear() + 1 : now.getFullYear();
  return `${y}-${String((y + 1) % 100).padStart(2, '0')}`;
}

const fuerMenschen = (sj) => sj.replace('-', '/');

function listButton(sj, label, schulnummer, format) {
  const q = schulnummer ? '?schulnummer=' + encodeURIComponent(schulnummer) : '';
  const btn = el('button', { type: 'button', class: 'zweit' }, label);
  btn.addEventListener('click', () => download(`/v1/einschulung/${sj}/liste.${format}${q}`, `Einschulung_${sj}.${format}`)
    .then((name) => status(`„${name}“ wurde heruntergeladen.`, 'ok'), showError));
  return btn;
}

// untersuchungText says where the Schuleingangsuntersuchung of a school's
// children stands (§ 37 (2) SchulG LSA): what is still open and what the
// school office must act on. Only the school office receives the figures.
const UNTERSUCHUNG = [
  ['offen', 'noch nicht untersucht'], ['nicht_erschienen', 'nicht erschienen'],
  ['zurueckstellung_pruefen', 'Zurückstellung prüfen'], ['foerderbedarf_pruefen', 'Förderbedarf prüfen'], ['untersucht', 'untersucht'],
];
function untersuchungText(u) {
  if (!u) return '';
  const teile = UNTERSUCHUNG.filter(([k]) => u[k] > 0).map(([k, label]) => `${zahl(u[k])} ${label}`);
  return teile.length ? teile.join(' · ') : 'keine Kinder';
}

function showError(e) {
  // No old figures beside an error: they would read as the answer.
  $('uebersicht').hidden = true;
  $('schulen').tBodies[0].replaceChildren();
  hideOhneSchule();
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

// A list that cannot be loaded leaves the overview as it is.
function showListError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

async function show(eingabe) {
  const sj = schuljahrPfad(eingabe);
  if (!sj) {
    throw new Error(`„${eingabe}“ ist kein Schuljahr. Bitte so angeben: 2027/28.`);
  }
  status('Die Übersicht wird geladen …');
  const u = await api(`/v1/einschulung/${encodeURIComponent(sj)}/uebersicht`);
  $('uebersicht').hidden = false;
  $('h-uebersicht').textContent = `Übersicht je Grundschule, Schuljahr ${fuerMenschen(u.schuljahr)}`;
  const mayList = hasRole('schulamt');
  hideOhneSchule();
  const ohne = `${zahl(u.ohne_schule)} ohne zuständige Grundschule`;
  // Who they are, for the school office: a button in the sentence.
  $('summen').replaceChildren(`${zahl(u.kinder)} Kinder im Einschulungsjahrgang, davon `,
    mayList && u.ohne_schule > 0
      ? el('button', { type: 'button', id: 'ohne-schule-zeigen', class: 'verweis', 'aria-expanded': 'false', 'aria-controls': 'ohne-schule',
        onclick: () => showOhneSchule(sj).catch(showListError) }, ohne)
      : ohne,
    '.');
  $('listen').replaceChildren(...(mayList
    ? [listButton(sj, 'Einschulungsliste (Excel)', '', 'xlsx'), listButton(sj, 'Einschulungsliste (CSV)', '', 'csv')]
    : [el('p', { class: 'hinweis' }, 'Die Namenslisten kann nur das Schulamt herunterladen.')]));
  const mitUntersuchung = u.items.some((s) => s.untersuchungen);
  $('sp-untersuchung').hidden = !mitUntersuchung;
  const rows = u.items.map((s) => {
    const ueber = s.ueber_kapazitaet;
    return el('tr', { class: ueber ? 'warnung' : null },
      el('th', { scope: 'row' }, s.name, el('br'), el('span', { class: 'hinweis' }, s.schulnummer)),
      ...['erwartet', 'angemeldet', 'vorzeitig', 'aufgenommen', 'zurueckgestellt', 'nachfrage'].map((k) => el('td', { class: 'z' }, zahl(s[k]))),
      el('td', { class: 'z' }, s.kapazitaet == null ? 'unbekannt' : zahl(s.kapazitaet)),
      el('td', {}, ueber ? 'über Kapazität' : (s.freie_schule ? `${zahl(s.freie_schule)} an freier Schule` : '')),
      mitUntersuchung ? el('td', { class: 'untersuchung' }, untersuchungText(s.untersuchungen)) : null,
      el('td', {}, mayList ? listButton(sj, 'Excel', s.schulnummer, 'xlsx') : ''));
  });
  rows.forEach((r, i) => {
    const b = r.querySelector('button');
    if (b) b.setAttribute('aria-label', `Einschulungsliste ${u.items[i].name} (Excel)`);
  });
  $('schulen').tBodies[0].replaceChildren(...rows);
  status(`Übersicht für ${fuerMenschen(u.schuljahr)} geladen: ${u.items.length} Schulen.`, 'ok');
}

const ohneSchule = { sj: '', next: null };

function hideOhneSchule() {
  $('ohne-schule').hidden = true;
  $('ohne-schule-liste').tBodies[0].replaceChildren();
  $('ohne-schule-mehr').hidden = true;
}

function anschrift(a) {
  return a ? `${a.strasse} ${a.hausnummer}, ${a.plz} ${a.ort}`.trim() : 'nicht sichtbar (Auskunftssperre)';
}

const STAND = { zurueckgestellt: 'zurückgestellt', vorzeitig: 'vorzeitig angemeldet', freie_schule: 'Schule in freier Trägerschaft' };

// showOhneSchule lists the children the overview counts without a
// Grundschule (GET …/kinder?ohne_schule=true), a page at a time.
async function showOhneSchule(sj, more = false) {
  const q = new URLSearchParams({ ohne_schule: 'true', limit: '50' });
  if (more && ohneSchule.next) q.set('after', ohneSchule.next);
  const p = await api(`/v1/einschulung/${encodeURIComponent(sj)}/kinder?${q}`);
  const rows = p.items.map((k) => el('tr', {},
    el('th', { scope: 'row' }, `${k.familienname}, ${k.vornamen}`),
    el('td', {}, datum(k.geburtsdatum)),
    el('td', {}, anschrift(k.anschrift)),
    el('td', {}, STAND[k.status] || k.status)));
  const body = $('ohne-schule-liste').tBodies[0];
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  ohneSchule.sj = sj;
  ohneSchule.next = p.next;
  $('ohne-schule-mehr').hidden = !p.next;
  $('h-ohne-schule').textContent = `Kinder ohne zuständige Grundschule, Schuljahr ${fuerMenschen(sj)}`;
  $('ohne-schule').hidden = false;
  const btn = $('ohne-schule-zeigen');
  if (btn) btn.setAttribute('aria-expanded', 'true');
  if (!more) $('h-ohne-schule').focus();
  else if (rows.length > 0) {
    // The button may hide with the last page: the focus goes on to the
    // first child just loaded, not to the page's top.
    const th = rows[0].cells[0];
    th.tabIndex = -1;
    th.focus();
  }
  status(`${zahl(body.rows.length)} Kinder ohne zuständige Grundschule angezeigt${p.next ? '; weitere mit „Weitere Kinder laden“' : ''}.`, 'ok');
}

page('einschulung.html', async () => {
  $('ohne-schule-mehr').addEventListener('click', () => showOhneSchule(ohneSchule.sj, true).catch(showListError));
  const input = $('schuljahr');
  input.value = fuerMenschen(new URLSearchParams(location.search).get('schuljahr') || naechstesSchuljahr());
  $('wahl').addEventListener('submit', (ev) => {
    ev.preventDefault();
    show(input.value.trim()).catch(showError);
  });
  await show(input.value).catch(showError);
});
