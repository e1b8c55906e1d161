/* SPDX-License-Identifier: MIT */
/* registry.c — the device table. Seed types first, in Tasmota's order (SPEC §1.3), then
 * every further product id the public test vectors of xiaomi-ble / ble_monitor contain.
 * Type names are Tasmota's where it has one (they are JSON keys Home Assistant setups
 * depend on), otherwise the vendor model without its colour/region suffix. */
#include "decode/reading.h"
#include "decode/registry.h"

#define THB MI_FEAT_THB
#define T MI_FEAT_TEMP
#define H MI_FEAT_HUM
#define L MI_FEAT_LUX
#define B MI_FEAT_BAT
#define M (MI_FEAT_MOTION | MI_FEAT_NMT)
#define K MI_FEAT_BTN

static const struct device_info devices[] = {
	/* the seed's 17 types (SPEC §1.3) */
	{ PID_FLORA, "Flora", "HHCCJCY01", "Xiaomi", T | MI_FEAT_MOIST | MI_FEAT_FERT | L | B },
	{ PID_MJ_HT_V1, "MJ_HT_V1", "LYWSDCGQ", "Xiaomi", THB },
	{ PID_LYWSD02, "LYWSD02", "LYWSD02", "Xiaomi", THB },
	{ PID_LYWSD03, "LYWSD03", "LYWSD03MMC", "Xiaomi", THB },
	{ PID_CGG1, "CGG1", "CGG1", "Qingping", THB },
	{ PID_CGD1, "CGD1", "CGD1", "Qingping", THB },
	{ PID_NLIGHT, "NLIGHT", "MUE4094RT", "Philips", M },
	{ PID_MJYD2S, "MJYD2S", "MJYD02YL", "Xiaomi", M | L | B },
	{ PID_YLYK01, "YLYK01", "YLYK01YL", "Yeelight", K },
	{ PID_MHOC401, "MHOC401", "MHO-C401", "Xiaomi", THB },
	{ PID_MHOC303, "MHOC303", "MHO-C303", "Xiaomi", THB },
	{ PID_ATC, "ATC", "ATC1441", "Xiaomi", THB },
	{ PID_MCCGQ02, "MCCGQ02", "MCCGQ02HL", "Xiaomi", B | MI_FEAT_DOOR },
	{ PID_SJWS01L, "SJWS01L", "SJWS01LM", "Xiaomi", MI_FEAT_LEAK | B | K },
	{ PID_PVVX, "PVVX", "pvvx", "Xiaomi", THB },
	{ PID_YLKG08, "YLKG08", "YLKG07YL/YLKG08YL", "Yeelight", K | MI_FEAT_KNOB },
	{ PID_YLAI003, "YLAI003", "YLAI003", "Yeelight", K },
	{ PID_BTHOME, "BTHOME", "BTHome", "BTHome", 0 },
	/* further MiBeacon devices (rows added with their decoders) */
	{ 0x00DB, "MMC-T201", "MMC-T201-1", "Miaomiaoce", T | B },
	{ 0x015D, "HHCCPOT002", "HHCCPOT002", "HHCC", MI_FEAT_MOIST | MI_FEAT_FERT },
	{ 0x02DF, "JQJCY01YM", "JQJCY01YM", "Xiaomi", T | H | B },
	{ 0x0380, "DSL-C08", "DSL-C08", "Xiaomi", B },
	{ 0x0391, "MMC-W505", "MMC-W505", "Miaomiaoce", T | B },
	{ 0x03BC, "GCLS002", "GCLS002", "HHCC", T | MI_FEAT_MOIST | MI_FEAT_FERT | L },
	{ 0x03D6, "CGH1", "CGH1", "Qingping", MI_FEAT_DOOR | B },
	{ 0x040A, "WX08ZM", "WX08ZM", "Xiaomi", B },
	{ 0x0489, "M1S-T500", "M1S-T500", "Xiaomi", B },
	{ 0x04E1, "XMMF01JQD", "XMMF01JQD", "Xiaomi", K },
	{ 0x066F, "CGDK2", "CGDK2", "Qingping", THB },
	{ 0x069E, "ZNMS16LM", "ZNMS16LM", "Aqara", B },
	{ 0x0806, "T700", "T700", "Mijia", B },
	{ 0x0997, "JTYJGD03MI", "JTYJGD03MI", "Xiaomi", K | B },
	{ 0x0A83, "CGPR1", "CGPR1", "Qingping", M | L | B },
	{ PID_RTCGQ02LM, "RTCGQ02LM", "RTCGQ02LM", "Xiaomi", M | K | B | MI_FEAT_LUX },
	{ 0x0B48, "CGG1-ENC", "CGG1-ENCRYPTED", "Qingping", THB },
	{ 0x0C3C, "CGC1", "CGC1", "Qingping", THB },
	{ PID_K9B_3BTN, "K9B-3BTN", "K9B-3BTN", "Linptech", K },
	{ 0x0E39, "XMZNMS08LM", "XMZNMS08LM", "Xiaomi", B },
	{ 0x11C2, "SV40", "Lockin-SV40", "Lockin", B },
	{ 0x1203, "XMWSDJ04MMC", "XMWSDJ04MMC", "Xiaomi", THB },
	{ PID_K9B_1BTN, "K9B-1BTN", "K9B-1BTN", "Linptech", K },
	{ PID_K9B_2BTN, "K9B-2BTN", "K9B-2BTN", "Linptech", K },
	{ 0x16E4, "LYWSD02MMC", "LYWSD02MMC", "Xiaomi", THB },
	{ 0x1889, "MS1BB", "MS1BB(MI)", "Linptech", MI_FEAT_DOOR | K | B },
	{ PID_XMWXKG01YL, "XMWXKG01YL", "XMWXKG01YL", "Xiaomi", K },
	{ 0x20DB, "MJZNZ018H", "MJZNZ018H", "Xiaomi", K | B },
	{ 0x2387, "XMWXKG01LM", "XMWXKG01LM", "Xiaomi", K },
	{ 0x2542, "LYWSD02MMC", "LYWSD02MMC", "Xiaomi", THB },
	{ 0x2AEB, "HS1BB", "HS1BB(MI)", "Linptech", M | L | B },
	{ 0x3531, "XMPIRO2SXS", "XMPIRO2SXS", "Xiaomi", M | L | B },
	{ 0x38BB, "PTX", "PTX_YK1_QMIMB", "PTX", K },
	{ 0x3A61, "KS1", "KS1", "Linptech", K | B },
	{ 0x3BD5, "S400", "MJTZC01YM", "Xiaomi", 0 },
	{ 0x3F0F, "RS1BB", "RS1BB(MI)", "Linptech", MI_FEAT_LEAK | B },
	{ 0x3F4C, "PS1BB", "PS1BB", "Linptech", B },
	{ 0x4683, "XMOSB01XS", "XMOSB01XS", "Xiaomi", L | B },
	{ 0x4C04, "S200", "MJTZC02YM", "Xiaomi", 0 },
	{ 0x4F59, "CGDK3", "CGDK3", "Qingping", THB },
	{ 0x50FB, "ES3", "ES3", "Linptech", L | B },
	{ 0x520B, "KS2BB", "KS2BB", "Linptech", THB | K },
	{ 0x55B5, "MJWSD06MMC", "MJWSD06MMC", "Xiaomi", THB },
	{ 0x5968, "XMWS01XS", "XMWS01XS", "Xiaomi", K },
	{ 0x59FC, "M2456B1", "M2456B1", "Xiaomi", B },
	{ 0x5BEA, "MJWSD06MMC", "MJWSD06MMC", "Xiaomi", THB },
	{ 0x6375, "SJWS02LM", "SJWS02LM", "Xiaomi", MI_FEAT_LEAK | B },
	{ 0x64C5, "PTX-F1", "PTX-F1-Display", "PTX", K | T | H },
	{ 0x6A0F, "ES5BB", "ES5BB", "Linptech", L | B },
	{ 0x78DB, "ESM787", "ESM787", "Xiaomi", THB },
	/* Qingping 0xFDCD devices without a MiBeacon pid: 0xCD00 | device id (registry.h) */
	{ PID_QP_GENERIC, "QINGPING", "Qingping", "Qingping", 0 },
	{ PID_QP_CGH1, "CGH1", "CGH1", "Qingping", MI_FEAT_DOOR | B },
	{ PID_QP_CGP1W, "CGP1W", "CGP1W", "Qingping", THB },
	{ PID_QP_CGDN1, "CGDN1", "CGDN1", "Qingping", T | H | MI_FEAT_TEMP_HUM },
	{ PID_QP_CGM1, "CGM1", "CGM1", "Qingping", THB },
	{ PID_QP_CGPR1, "CGPR1", "CGPR1", "Qingping", MI_FEAT_MOTION | L | B },
	{ PID_QP_CGF1W, "CGF1W", "CGF1W", "Qingping", THB },
	{ PID_QP_CGP23W, "CGP23W", "CGP23W", "Qingping", THB },
	{ PID_QP_CGC1, "CGC1", "CGC1", "Qingping", THB },
	{ PID_QP_CGG3, "CGG3", "CGG3", "Qingping", THB },
	{ PID_QP_CGR1PC, "CGR1PC", "CGR1PC", "Qingping", T | H | MI_FEAT_TEMP_HUM },
	{ PID_QP_CGP22C, "CGP22C", "CGP22C", "Qingping", THB },
	/* Xiaomi formats outside MiBeacon (xiaomi.h) */
	{ PID_MISCALE, "MISCALE", "XMTZC01HM/XMTZC04HM", "Xiaomi", 0 },
	{ PID_MIBCS, "MIBCS", "XMTZC02HM/XMTZC05HM", "Xiaomi", 0 },
	{ PID_HHCCJCY10, "HHCCJCY10", "HHCCJCY10", "HHCC", T | MI_FEAT_MOIST | MI_FEAT_FERT | L | B },
};

#undef THB
#undef T
#undef H
#undef L
#undef B
#undef M
#undef K

const struct device_info *registry_find(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (devices[i].pid == pid)
			return &devices[i];
	return NULL;
}

const struct device_info *registry_all(size_t *n)
{
	*n = sizeof(devices) / sizeof(devices[0]);
	return devices;
}

uint32_t registry_feature_of(unsigned int type)
{
	switch (type) {
	case READING_TEMPERATURE:
		return MI_FEAT_TEMP;
	case READING_HUMIDITY:
		return MI_FEAT_HUM;
	case READING_ILLUMINANCE:
		return MI_FEAT_LUX;
	case READING_MOISTURE:
		return MI_FEAT_MOIST;
	case READING_FERTILITY:
		return MI_FEAT_FERT;
	case READING_BATTERY:
		return MI_FEAT_BAT;
	case READING_NMT:
		return MI_FEAT_NMT;
	case READING_MOTION:
		return MI_FEAT_MOTION;
	case READING_BUTTON:
		return MI_FEAT_BTN;
	case READING_DIMMER:
	case READING_DIMMER_P:
	case READING_HOLD:
		return MI_FEAT_KNOB;
	case READING_DOOR:
		return MI_FEAT_DOOR;
	case READING_LEAK:
		return MI_FEAT_LEAK;
	default:
		return 0;
	}
}
