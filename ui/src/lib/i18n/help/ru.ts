// Список сочетаний клавиш (F1 или ?).
import type en from './en';

const help: Record<keyof typeof en, string> = {
  'help.title': 'Сочетания клавиш',
  'help.hint': 'F1 или ? открывает этот список везде, кроме текстовых полей.',
  'help.close': 'Закрыть',
  'help.group.everywhere': 'Везде',
  'help.group.log': 'Запись наблюдения',
  'help.group.forms': 'Формы и списки',
  'help.group.samples': 'Приём проб',
  'help.goTo': 'Перейти: {screen}',
  'help.showList': 'Показать этот список',
  'help.save': 'Сохранить',
  'help.saveNext': 'Сохранить и начать следующее наблюдение',
  'help.pickSpecies': 'Выбор вида из подсказок',
  'help.closeSuggestions': 'Закрыть подсказки',
  'help.closeForm': 'Закрыть форму или окно',
  'help.moveRows': 'Переход между строками списка',
  'help.moveTabs': 'Переход между вкладками',
  'help.scan': 'Отсканированный штрихкод (сканер вводит его и нажимает Enter) записывается сразу',
};

export default help;
