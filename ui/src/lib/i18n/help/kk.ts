// Пернелер тіркесімдерінің тізімі (F1 немесе ?).
import type en from './en';

const help: Record<keyof typeof en, string> = {
  'help.title': 'Пернелер тіркесімдері',
  'help.hint': 'F1 немесе ? мәтін өрісінен басқа кез келген жерде осы тізімді ашады.',
  'help.close': 'Жабу',
  'help.group.everywhere': 'Барлық жерде',
  'help.group.log': 'Бақылауды жазу',
  'help.group.forms': 'Пішіндер мен тізімдер',
  'help.group.samples': 'Сынамаларды қабылдау',
  'help.goTo': 'Өту: {screen}',
  'help.showList': 'Осы тізімді көрсету',
  'help.save': 'Сақтау',
  'help.saveNext': 'Сақтап, келесі бақылауды бастау',
  'help.pickSpecies': 'Түр ұсыныстары арасында жылжу және таңдау',
  'help.closeSuggestions': 'Ұсыныстарды жабу',
  'help.closeForm': 'Пішінді немесе терезені жабу',
  'help.moveRows': 'Тізім жолдары арасында жылжу',
  'help.moveTabs': 'Қойындылар арасында жылжу',
  'help.scan': 'Сканерленген штрихкод (сканер оны теріп, Enter басады) бірден жазылады',
};

export default help;
