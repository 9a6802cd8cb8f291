// A screenshot of every main screen in every language, for people to look at.
import { appReady, openScreen, screenshot, setLanguage } from './helpers.mjs';

const SCREENS = {
  home: '#home',
  log: '#species',
  observations: '#observation-list',
  map: '#map .leaflet-overlay-pane path',
  checklist: '#checklist tbody tr',
  sync: '#sync',
  settings: '#data-dir',
  surveys: '#survey-new',
  people: '#person-new',
  datasheets: '[data-testid="sheet"]',
  partners: '#reserves-table',
  cooperation: '#coop-new',
  samples: '#sample-new',
  exchange: '#csv-input',
};

describe('every screen in every language', () => {
  before(appReady);
  for (const locale of ['en', 'zh-CN', 'ru', 'mn']) {
    it(`renders each screen in ${locale}`, async () => {
      await setLanguage(locale);
      for (const [screen, marker] of Object.entries(SCREENS)) {
        await openScreen(screen);
        await $(marker).waitForExist({ timeoutMsg: `${screen} did not render in ${locale}` });
        await screenshot(`${locale}-${screen}`);
      }
    });
  }
});
