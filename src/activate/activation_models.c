/* SPDX-License-Identifier: MIT */
/* activation_models.c — the product ids activation knows (activation.h): the README's
 * support table comes from here. */
#include <stddef.h>

#include "activate/activation.h"

/* Product ids from Tasmota's bindkey page (activatable, unencrypted), ble_monitor's and
 * Tasmota's legacy scripts, and the firmware pvvx's page sends to the cloud route (notes
 * §6.1, §6.3, §7). */
static const struct activation_model models[] = {
	{ 0x01AA, "LYWSDCGQ", ACTIVATION_STANDARD, NULL },
	{ 0x0387, "MHO-C401", ACTIVATION_STANDARD, NULL },
	{ 0x055B, "LYWSD03MMC", ACTIVATION_STANDARD, "2.1.1_0159" },
	{ 0x0576, "CGD1", ACTIVATION_STANDARD, NULL },
	{ 0x066F, "CGDK2", ACTIVATION_STANDARD, NULL },
	{ 0x07F6, "MJYD02YL", ACTIVATION_STANDARD, NULL },
	{ 0x0863, "SJWS01LM", ACTIVATION_STANDARD, NULL },
	{ 0x098B, "MCCGQ02HL", ACTIVATION_STANDARD, NULL },
	{ 0x0B48, "CGG1", ACTIVATION_STANDARD, NULL },
	{ 0x0153, "YLYK01YL", ACTIVATION_LEGACY, NULL },
	{ 0x03B6, "YLKG07YL/YLKG08YL", ACTIVATION_LEGACY, NULL },
	{ 0x03BF, "YLYB01YL-BHFRC", ACTIVATION_LEGACY, NULL },
	{ 0x04E6, "YLYK01YL-VENFAN", ACTIVATION_LEGACY, NULL },
	{ 0x068E, "YLYK01YL-FANCL", ACTIVATION_LEGACY, NULL },
	{ 0x03DD, "MUE4094RT", ACTIVATION_NO_KEY, NULL },
	{ 0x045B, "LYWSD02", ACTIVATION_NO_KEY, NULL },
	{ 0x06D3, "MHO-C303", ACTIVATION_NO_KEY, NULL },
	{ 0x0A1C, "ATC custom firmware", ACTIVATION_NO_KEY, NULL },
};

const struct activation_model *activation_model(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].pid == pid)
			return &models[i];
	return NULL;
}

const struct activation_model *activation_models(unsigned int *n)
{
	*n = sizeof(models) / sizeof(models[0]);
	return models;
}

const char *activation_warning(void)
{
	return "Activation registers the device here and unbinds it from Mi Home: remove it "
	       "there, and do not add it again (Mi Home would make a new key and this one would "
	       "stop working).";
}
