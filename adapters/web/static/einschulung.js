// Einschulung page: per school the expected and registered children
// against capacity, with the list downloads (school office only).
import { api, download, zahl, el, status, page, hasRole, ApiError } from './common.js';

const $ = (id) => document.getElementById(id);

// naechstesSchuljahr is the school year whose Einschulung is being
// prepared: the one starting next August.
function naechstesSchuljahr(now = new Date()) {
  const y = now.getMonth() >= 7 ? now.getFullYear() + 1 : now.getFullYear();
  return `${y}-${String((y + 1) % 100).padStart(2, '0')}`;
}

function listButton(sj, label, schulnummer, format) {
  const q = schulnummer ? '?schulnummer=' + encodeURIComponent(schulnummer) : '';
  const btn = el('button', { type: 'button', class: 'zweit' }, label);
  btn.addEventListener('click', () => download(`/v1/einschulung/${sj}/liste.${format}${q}`, `Einschulung_${sj}.${format}`)
    .then((name) => status(`„${name}“ wurde heruntergeladen.`, 'ok'), showError));
  return btn;
}

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

async function show(sj) {
  status('Die Übersicht wird geladen …');
  const u = await api(`/v1/einschulung/${encodeURIComponent(sj)}/uebersicht`);
  $('uebersicht').hidden = false;
  $('h-uebersicht').textContent = `Übersicht je Grundschule, Schuljahr ${u.schuljahr}`;
  $('summen').textContent = `${zahl(u.kinder)} Kinder im Einschulungsjahrgang, davon ${zahl(u.ohne_schule)} ohne zuständige Grundschule.`;
  const mayList = hasRole('schulamt');
  $('listen').replaceChildren(...(mayList
    ? [listButton(sj, 'Einschulungsliste (Excel)', '', 'xlsx'), listButton(sj, 'Einschulungsliste (CSV)', '', 'csv')]
    : [el('p', { class: 'hinweis' }, 'Die Namenslisten kann nur das Schulamt herunterladen.')]));
  const rows = u.items.map((s) => {
    const ueber = s.ueber_kapazitaet;
    return el('tr', { class: ueber ? 'warnung' : null },
      el('th', { scope: 'row' }, s.name, el('br'), el('span', { class: 'hinweis' }, s.schulnummer)),
      ...['erwartet', 'angemeldet', 'vorzeitig', 'aufgenommen', 'zurueckgestellt', 'nachfrage'].map((k) => el('td', { class: 'z' }, zahl(s[k]))),
      el('td', { class: 'z' }, s.kapazitaet == null ? 'unbekannt' : zahl(s.kapazitaet)),
      el('td', {}, ueber ? 'über Kapazität' : (s.freie_schule ? `${zahl(s.freie_schule)} an freier Schule` : '')),
      el('td', {}, mayList ? listButton(sj, 'Excel', s.schulnummer, 'xlsx') : ''));
  });
  rows.forEach((r, i) => {
    const b = r.querySelector('button');
    if (b) b.setAttribute('aria-label', `Einschulungsliste ${u.items[i].name} (Excel)`);
  });
  $('schulen').tBodies[0].replaceChildren(...rows);
  status(`Übersicht für ${u.schuljahr} geladen: ${u.items.length} Schulen.`, 'ok');
}

page('einschulung.html', async () => {
  const input = $('schuljahr');
  input.value = new URLSearchParams(location.search).get('schuljahr') || naechstesSchuljahr();
  $('wahl').addEventListener('submit', (ev) => {
    ev.preventDefault();
    show(input.value.trim()).catch(showError);
  });
  await show(input.value);
});
