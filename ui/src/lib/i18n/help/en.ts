// The list of keyboard shortcuts (F1 or ?).
const help = {
  'help.title': 'Keyboard shortcuts',
  'help.hint': 'F1 or ? shows this list anywhere outside a text field.',
  'help.close': 'Close',
  'help.group.everywhere': 'Everywhere',
  'help.group.log': 'Logging a sighting',
  'help.group.forms': 'Forms and lists',
  'help.group.samples': 'Receiving samples',
  'help.goTo': 'Go to {screen}',
  'help.showList': 'Show this list',
  'help.save': 'Save',
  'help.saveNext': 'Save and start the next sighting',
  'help.pickSpecies': 'Move through the species suggestions and take one',
  'help.closeSuggestions': 'Close the suggestions',
  'help.closeForm': 'Close the form or dialog',
  'help.moveRows': 'Move between rows of a list',
  'help.moveTabs': 'Move between tabs',
  'help.scan': 'A scanned barcode (the scanner types it and presses Enter) is recorded at once',
};

export default help;
