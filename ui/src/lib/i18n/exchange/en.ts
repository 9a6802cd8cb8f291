// English messages of the exchange screens (the reference keys for this part).
const en = {
};

export default en;
